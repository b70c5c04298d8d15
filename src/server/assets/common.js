/* certify serve: what every page shares. Plain ES5 for old browsers: no modules, no
   arrow functions, no let/const, no optional chaining; fetch and Promise only.

   The outbox: every grade an examiner submits is first written to the browser's
   localStorage, then sent; it leaves the outbox only when the server has answered
   {"saved": true} (which it does after its transaction committed). Until then it is
   resent every few seconds with the same client_id, which the server stores once. An
   entry belongs to the examiner and exam session it was made under and is only ever sent
   under that login. The header shows 已保存 or 未同步 (n) at all times. */
(function () {
  'use strict';

  var KEY = 'certify-outbox-v1';
  var RETRY_MS = 3000;
  var body = document.body;
  var session = body.getAttribute('data-session') || '';
  var examiner = body.getAttribute('data-examiner') || '';
  var memory = [];
  var storageWorks = true;
  var sending = false;
  var trouble = '';
  var listeners = [];

  function readAll() {
    try {
      var text = window.localStorage.getItem(KEY);
      storageWorks = true;
      return text ? JSON.parse(text) : [];
    } catch (e) {
      storageWorks = false;
      return memory.slice();
    }
  }

  function writeAll(list) {
    memory = list.slice();
    try {
      window.localStorage.setItem(KEY, JSON.stringify(list));
      storageWorks = true;
    } catch (e) {
      storageWorks = false;
    }
  }

  function mine(item) {
    return item.session === session && (examiner === '' || item.examiner === examiner);
  }

  function pendingList() {
    return readAll().filter(mine);
  }

  function hex(n) {
    return (n < 16 ? '0' : '') + n.toString(16);
  }

  /* A new client id: 128 random bits, from crypto.getRandomValues where there is one. */
  function clientId() {
    var out = 'web-', i, bytes;
    if (window.crypto && window.crypto.getRandomValues && window.Uint8Array) {
      bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      for (i = 0; i < bytes.length; i++) out += hex(bytes[i]);
    } else {
      out += new Date().getTime().toString(16) + '-';
      for (i = 0; i < 16; i++) out += hex(Math.floor(Math.random() * 256));
    }
    return out;
  }

  /* One request to the API: resolves {status, body} (status 0 for no answer in time),
     rejects when the server cannot be reached. */
  function api(method, path, data, timeoutMs) {
    var options = { method: method, credentials: 'same-origin', headers: {} };
    if (data !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(data);
    }
    var controller = window.AbortController ? new window.AbortController() : null;
    if (controller) options.signal = controller.signal;
    var request = window.fetch(path, options).then(function (response) {
      return response.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        return { status: response.status, body: parsed };
      });
    });
    var timer = new Promise(function (resolve, reject) {
      window.setTimeout(function () {
        if (controller) controller.abort();
        reject(new Error('timeout'));
      }, timeoutMs || 15000);
    });
    return Promise.race([request, timer]);
  }

  function errorText(answer, fallback) {
    return (answer && answer.body && answer.body.error) || fallback;
  }

  function tell(id, what, answer) {
    for (var i = 0; i < listeners.length; i++) {
      try { listeners[i](id, what, answer); } catch (e) { /* a page's listener must not stop the outbox */ }
    }
  }

  function update(id, change) {
    var list = readAll(), kept = [], i;
    for (i = 0; i < list.length; i++) {
      if (list[i].id !== id) kept.push(list[i]);
      else if (change) kept.push(change(list[i]));
    }
    writeAll(kept);
  }

  /* Sends the oldest unsent grade of this login, then the next, until none is left or the
     server cannot be reached. */
  function flush() {
    if (sending || examiner === '') { render(); return; }
    var open = pendingList().filter(function (item) { return !item.error; });
    if (!open.length) { trouble = ''; render(); return; }
    var item = open[0];
    sending = true;
    render();
    api('POST', '/api/examiner/grades', item.body, 15000).then(function (answer) {
      sending = false;
      if (answer.status === 200 && answer.body && answer.body.saved) {
        update(item.id, null);
        trouble = '';
        tell(item.id, 'saved', answer.body);
        flush();
      } else if (answer.status === 401) {
        trouble = '登录已失效：请重新登录，未同步的评分会在登录后自动发送';
        render();
      } else if (answer.status === 429 || answer.status >= 500) {
        trouble = '服务器暂时忙，稍后自动重发';
        render();
      } else {
        var why = errorText(answer, '服务器没有接受（' + answer.status + '）');
        update(item.id, function (old) { old.error = why; return old; });
        tell(item.id, 'refused', { error: why });
        flush();
      }
    }, function () {
      sending = false;
      trouble = '连不上服务器，网络恢复后自动重发';
      render();
    });
  }

  function text(element, value) {
    if (element) element.textContent = value;
  }

  function describe(item) {
    return '准考证号 ' + item.body.exam_no + '，任务 ' + item.body.task;
  }

  function problemItem(item) {
    var li = document.createElement('li');
    var p = document.createElement('p');
    p.textContent = describe(item) + '：' + item.error;
    li.appendChild(p);
    var retry = document.createElement('button');
    retry.type = 'button';
    retry.textContent = '重试';
    retry.onclick = function () {
      update(item.id, function (old) { delete old.error; return old; });
      flush();
    };
    var drop = document.createElement('button');
    drop.type = 'button';
    drop.className = 'danger';
    drop.textContent = '删除这条';
    drop.onclick = function () {
      if (window.confirm('删除后这条评分就没有了，需要重新评分。确定删除（' + describe(item) + '）吗？')) {
        update(item.id, null);
        render();
      }
    };
    li.appendChild(retry);
    li.appendChild(document.createTextNode(' '));
    li.appendChild(drop);
    return li;
  }

  /* The header's state, the list of refused grades, and the queue's pending marks. */
  function render() {
    var list = pendingList();
    var problems = list.filter(function (item) { return item.error; });
    var box = document.getElementById('sync');
    text(document.getElementById('sync-state'), list.length ? '未同步 (' + list.length + ')' : '已保存');
    var note = '';
    if (list.length && examiner === '') note = '登录后自动发送';
    else if (sending) note = '正在发送……';
    else if (problems.length) note = '有 ' + problems.length + ' 条被拒绝，见下方';
    else if (list.length) note = trouble || '稍后自动重发';
    if (!storageWorks) note += (note ? '；' : '') + '本浏览器不能保存未同步的评分，请勿关闭页面';
    text(document.getElementById('sync-note'), note ? '· ' + note : '');
    if (box) box.className = 'sync ' + (problems.length || !storageWorks ? 'problem' : list.length ? 'pending' : 'ok');

    var panel = document.getElementById('outbox-problems');
    var ul = document.getElementById('outbox-list');
    if (panel && ul && examiner !== '') {
      while (ul.firstChild) ul.removeChild(ul.firstChild);
      for (var i = 0; i < problems.length; i++) ul.appendChild(problemItem(problems[i]));
      panel.hidden = problems.length === 0;
    }
    markQueue(list);
    layout();
  }

  function markQueue(list) {
    if (body.getAttribute('data-page') !== 'queue') return;
    var cards = document.querySelectorAll('a.card[data-exam-no]');
    for (var i = 0; i < cards.length; i++) {
      var card = cards[i];
      var waiting = list.filter(function (item) {
        return item.body.exam_no === card.getAttribute('data-exam-no') && item.body.task === card.getAttribute('data-task');
      }).length > 0;
      if (waiting) {
        card.className = 'card graded pending';
        text(card.querySelector('.count'), '已评（未同步）');
      }
    }
  }

  /* The header and the sheet's total bar stay on screen (sticky): the bar sits under the
     header, and scrolling to a control (keyboard focus, scrollIntoView) stops below both. */
  function layout() {
    var head = document.querySelector('.top');
    var bar = document.querySelector('.totalbar');
    var h = head ? head.offsetHeight : 0;
    var extra = 0;
    if (bar) {
      bar.style.top = h + 'px';
      if (bar.offsetParent !== null) extra = bar.offsetHeight;
    }
    document.documentElement.style.scrollPaddingTop = (h + extra + 8) + 'px';
    return h + extra;
  }

  function logout() {
    var n = pendingList().length;
    if (n && !window.confirm('还有 ' + n + ' 条评分未同步。退出后要等您再次登录才会发送。确定退出吗？')) return;
    api('POST', '/api/logout', {}, 10000).then(function () {
      window.location.href = '/';
    }, function () {
      window.alert('连不上服务器，没有退出。请稍后再试。');
    });
  }

  /* Small DOM and text helpers every page's script uses. */
  function byId(id) { return document.getElementById(id); }
  function trim(text) { return text.replace(/^\s+|\s+$/g, ''); }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /* Seconds as mm:ss. */
  function mmss(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return (m < 10 ? '0' : '') + m + ':' + (s < 10 ? '0' : '') + s;
  }

  window.Certify = {
    byId: byId,
    trim: trim,
    el: el,
    clear: clear,
    mmss: mmss,
    session: session,
    examiner: examiner,
    api: api,
    errorText: errorText,
    clientId: clientId,
    /* Puts a grade in the outbox (before it is sent) and starts sending. */
    enqueue: function (item) {
      item.session = session;
      item.examiner = examiner;
      var list = readAll();
      list.push(item);
      writeAll(list);
      render();
      flush();
    },
    /* This login's unsent grade for one candidate's task, if any. */
    pendingFor: function (examNo, task) {
      var list = pendingList();
      for (var i = 0; i < list.length; i++) {
        if (list[i].body.exam_no === examNo && list[i].body.task === task) return list[i];
      }
      return null;
    },
    onSync: function (listener) { listeners.push(listener); },
    storageWorks: function () { return storageWorks; },
    flush: flush,
    render: render,
    layout: layout
  };

  var out = document.getElementById('logout');
  if (out) out.onclick = logout;
  window.addEventListener('online', flush);
  window.addEventListener('storage', render);
  window.addEventListener('resize', layout);
  window.setInterval(flush, RETRY_MS);
  flush();
})();
