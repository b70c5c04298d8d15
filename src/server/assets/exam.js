/* The candidate's computer-based theory exam (机考). Without a login: the form for the
   exam number and the one-time code (POST /api/login, then the page again). With one:
   the identity check, then everything through GET /api/exam: waiting until the
   invigilator opens the room, one question per page with a navigator, the time left
   (the server's, counted down here between its answers), handing in, and the handed-in
   state.

   Every change of an answer is sent at once (PUT /api/exam/answers/<position>) with the
   next number of one counter per candidate, continuing from the highest the server has
   stored; the server keeps, per question, the answer with the highest number, so a late
   request never undoes a newer one. Until the server has confirmed it, a change stays in
   localStorage (keyed by exam session and exam number, with the counter), is resent every
   2 s and after a reload; the header says 已保存 or 未同步 (n) and each question its own
   state. The page shows only what the API answered: no key, explanation or score. Data is
   added as text nodes only. Plain ES5. */
(function () {
  'use strict';
  var C = window.Certify;
  var byId = C.byId, trim = C.trim, el = C.el, clear = C.clear, mmss = C.mmss;
  if (!C) return;

  var WAIT_POLL_MS = 3000;
  var ANSWER_POLL_MS = 30000;
  var OVER_POLL_MS = 2000;
  var RETRY_MS = 2000;
  var LETTERS = 'ABCDEF';

  /* Whether the identity was confirmed in this tab: a reload goes on with the exam, a new
     login (or another computer) checks the identity again. */
  function confirmKey(examNo) {
    return 'certify-exam-confirmed-v1|' + C.session + '|' + examNo;
  }

  function sessionFlag(key, value) {
    try {
      if (value === undefined) return window.sessionStorage.getItem(key) === 'yes';
      if (value) window.sessionStorage.setItem(key, 'yes');
      else window.sessionStorage.removeItem(key);
    } catch (e) { /* without sessionStorage the identity is checked after each reload */ }
    return false;
  }

  /* ---- The login form ---- */
  var form = byId('exam-login');
  if (form) {
    var loginError = byId('exam-login-error');
    var loginButton = byId('exam-login-submit');
    var failed = function (message) {
      loginButton.disabled = false;
      loginButton.textContent = '登录';
      loginError.textContent = message;
      loginError.hidden = false;
    };
    form.onsubmit = function (event) {
      event.preventDefault();
      var examNo = trim(byId('exam-no').value);
      var code = trim(byId('exam-code').value);
      if (!examNo || !code) {
        failed('请填写准考证号和登录码');
        return false;
      }
      loginError.hidden = true;
      loginButton.disabled = true;
      loginButton.textContent = '正在登录……';
      C.api('POST', '/api/login', { role: 'candidate', exam_no: examNo, code: code }, 15000).then(function (answer) {
        if (answer.status === 200) {
          sessionFlag(confirmKey((answer.body && answer.body.exam_no) || examNo), false);
          window.location.href = '/exam';
          return;
        }
        failed(C.errorText(answer, '登录没有成功（' + answer.status + '）'));
      }, function () {
        failed('连不上考场服务。请举手告知监考员。');
      });
      return false;
    };
    return;
  }

  var root = byId('exam');
  if (!root) return;
  var examNo = root.getAttribute('data-exam-no');
  var storeKey = 'certify-exam-v1|' + C.session + '|' + examNo;
  var stateUrl = '/api/exam?exam_no=' + encodeURIComponent(examNo);

  /* What this browser keeps: the counter, the changes not yet confirmed (position ->
     {answer, seq}), the questions marked for review, whether the warning was shown. */
  var record = { seq: 0, pending: {}, marks: {}, warned: false };
  var storageWorks = true;

  function load() {
    try {
      var text = window.localStorage.getItem(storeKey);
      var kept = text ? JSON.parse(text) : null;
      if (kept && typeof kept === 'object') {
        record.seq = kept.seq || 0;
        record.pending = kept.pending || {};
        record.marks = kept.marks || {};
        record.warned = !!kept.warned;
      }
    } catch (e) {
      storageWorks = false;
    }
  }

  function store() {
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(record));
      storageWorks = true;
    } catch (e) {
      storageWorks = false;
    }
  }

  var exam = null;          /* the last GET /api/exam answer */
  var items = [];           /* exam.items, in order */
  var confirmed = {};       /* position -> the answer the server holds */
  var confirmedSeq = {};    /* position -> seq of the newest change the server confirmed */
  var touched = {};         /* position -> tick of its last confirmation */
  var inflight = {};        /* position -> seq of the request in flight */
  var refused = {};         /* position -> the server's reason for refusing a change */
  var tick = 0;
  var current = 0;
  var deadline = null;      /* local time (ms) when the server's time is up */
  var phase = 'start';      /* start, confirm, waiting, answering, over, submitted, ended */
  var pollTimer = null;
  var loading = false;
  var again = false;        /* a refresh was asked for while one was under way */
  var trouble = '';
  var lost = 0;             /* changes that could not be saved before the exam ended */

  function now() { return new Date().getTime(); }

  function pendingCount() {
    return Object.keys(record.pending).length;
  }

  function answerOf(position) {
    var p = record.pending[position];
    if (p) return p.answer;
    return confirmed.hasOwnProperty(position) ? confirmed[position] : '';
  }

  function answeredCount() {
    var n = 0;
    for (var i = 0; i < items.length; i++) if (answerOf(items[i].position) !== '') n++;
    return n;
  }

  function unanswered() {
    var list = [];
    for (var i = 0; i < items.length; i++) if (answerOf(items[i].position) === '') list.push(items[i].position);
    return list;
  }

  /* ---- Sending changes ---- */

  /* The counter is never behind the server's (apply() sees to that). */
  function nextSeq() {
    record.seq += 1;
    return record.seq;
  }

  function choose(position, answer) {
    if (phase !== 'answering') return;
    if (answerOf(position) === answer && !record.pending[position]) return;
    record.pending[position] = { answer: answer, seq: nextSeq() };
    delete refused[position];
    store();
    send(position);
    show();
  }

  function send(position) {
    var change = record.pending[position];
    if (!change || inflight[position] === change.seq) return;
    var seq = change.seq, answer = change.answer;
    inflight[position] = seq;
    C.api('PUT', '/api/exam/answers/' + position, { answer: answer, seq: seq }, 10000).then(function (reply) {
      if (inflight[position] === seq) delete inflight[position];
      var body = reply.body || {};
      var mine = record.pending[position] && record.pending[position].seq === seq;
      if (reply.status === 200 && body.saved) {
        trouble = '';
        if (typeof body.remaining_s === 'number') {
          setRemaining(body.remaining_s);
          clock();
        }
        if (body.kept_newer) {
          /* The server holds a newer answer than this one: it wins; show the server's. */
          if (mine) {
            delete record.pending[position];
            store();
            refresh();
          }
        } else {
          /* Answers to earlier requests may arrive after later ones: the highest wins. */
          if (!(confirmedSeq[position] >= seq)) {
            confirmed[position] = answer;
            confirmedSeq[position] = seq;
            touched[position] = ++tick;
          }
          if (mine) {
            delete record.pending[position];
            store();
          }
        }
      } else if (reply.status === 409) {
        /* Not (or no longer) answering: what is the state? */
        refresh();
      } else if (reply.status === 401) {
        ended();
      } else if (reply.status === 400 || reply.status === 403 || reply.status === 404) {
        if (mine) {
          delete record.pending[position];
          store();
        }
        refused[position] = C.errorText(reply, '服务器没有接受这个答案（' + reply.status + '）');
      } else {
        trouble = '服务器暂时忙，稍后自动重发';
      }
      show();
    }, function () {
      if (inflight[position] === seq) delete inflight[position];
      trouble = '连不上服务器，网络恢复后自动重发';
      show();
    });
  }

  function resend() {
    if (phase !== 'answering' && phase !== 'over') return;
    var positions = Object.keys(record.pending);
    for (var i = 0; i < positions.length; i++) send(positions[i]);
  }

  /* ---- The time ---- */

  function setRemaining(seconds) {
    deadline = now() + seconds * 1000;
  }

  function remaining() {
    return deadline === null ? null : Math.max(0, Math.ceil((deadline - now()) / 1000));
  }

  function clock() {
    var left = remaining();
    if (left === null || (phase !== 'answering' && phase !== 'over')) return;
    byId('exam-clock').textContent = mmss(left);
    var warning = exam && typeof exam.warning_s === 'number' ? exam.warning_s : 300;
    byId('exam-clock').className = 'code' + (left <= warning ? ' low' : '');
    if (left <= warning && left > 0 && !record.warned && phase === 'answering') {
      record.warned = true;
      store();
      var minutes = Math.ceil(left / 60);
      byId('exam-warning-text').textContent = '距离考试结束还有不到 ' + minutes + ' 分钟。请检查没有作答的题目；' +
        '时间到时系统自动交卷，已保存的答案都会计入。';
      byId('exam-warning').hidden = false;
    }
    if (left === 0 && phase === 'answering') timeUp();
  }

  function timeUp() {
    phase = 'over';
    byId('exam-warning').hidden = true;
    status('考试时间到', '正在交卷，请稍候，不要关闭页面……');
    show();
    schedule(OVER_POLL_MS);
  }

  /* ---- The state from the server ---- */

  function schedule(ms) {
    if (pollTimer) window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(refresh, ms);
  }

  function refresh() {
    if (phase === 'ended' || phase === 'submitted') return;
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    again = false;
    var issued = ++tick;
    C.api('GET', stateUrl, undefined, 10000).then(function (reply) {
      loading = false;
      if (again) {
        /* Something happened meanwhile (a 409, the hand-in): read the state again. */
        refresh();
        return;
      }
      if (reply.status === 401) {
        ended();
        return;
      }
      if (reply.status !== 200 || !reply.body) {
        trouble = C.errorText(reply, '读取考试状态没有成功（' + reply.status + '）') + '，稍后自动重试';
        if (phase === 'start' || phase === 'waiting') status('暂时无法进入考试', trouble);
        show();
        schedule(phase === 'answering' ? ANSWER_POLL_MS : WAIT_POLL_MS);
        return;
      }
      trouble = '';
      apply(reply.body, issued);
    }, function () {
      loading = false;
      again = false;
      trouble = '连不上服务器，正在重试';
      if (phase === 'start' || phase === 'waiting') status('连不上考场服务', '正在重试……如果一直连不上，请举手告知监考员。');
      show();
      schedule(phase === 'answering' ? ANSWER_POLL_MS : WAIT_POLL_MS);
    });
  }

  function apply(body, issued) {
    exam = body;
    record.seq = Math.max(record.seq, body.seq || 0);
    if (body.state === 'submitted') {
      submitted(body);
      return;
    }
    if (body.state === 'waiting') {
      phase = 'waiting';
      var minutes = root.getAttribute('data-minutes');
      status('请等待监考员宣布开考', '开考后本页自动显示试题，不用刷新页面。' + (minutes ? '考试时长 ' + minutes + ' 分钟。' : ''));
      show();
      schedule(WAIT_POLL_MS);
      return;
    }
    var first = !items.length;
    items = body.items || [];
    var answers = body.answers || {};
    for (var i = 0; i < items.length; i++) {
      var position = String(items[i].position);
      /* A change confirmed after this GET was sent is newer than what it read. */
      if (!(touched[position] > issued)) {
        if (answers.hasOwnProperty(position)) confirmed[position] = answers[position];
        else delete confirmed[position];
      }
    }
    if (typeof body.remaining_s === 'number') setRemaining(body.remaining_s);
    if (first) buildGrid();
    if (remaining() === 0) {
      /* Time is up: the server hands the paper in by itself within a second or so. */
      if (phase !== 'over') timeUp();
      schedule(OVER_POLL_MS);
    } else {
      phase = 'answering';
      schedule(ANSWER_POLL_MS);
    }
    resend();
    show();
    clock();
  }

  /* After handing in: ends this browser's login (the code stays used), back to the login form. */
  function logout() {
    C.api('POST', '/api/logout', {}, 15000).then(function (answer) {
      if (answer.status === 200 || answer.status === 401) {
        window.location.href = '/exam';
        return;
      }
      var error = byId('exam-logout-error');
      error.textContent = C.errorText(answer, '退出没有成功（' + answer.status + '）');
      error.hidden = false;
    }, function () {
      var error = byId('exam-logout-error');
      error.textContent = '连不上考场服务，请稍后再点「退出登录」';
      error.hidden = false;
    });
  }

  function byWhom(by) {
    switch (by) {
      case 'candidate': return '您已交卷。';
      case 'timeout': return '考试时间到，系统已自动交卷。';
      case 'invigilator': return '监考员已为您交卷。';
      case 'misconduct': return '监考员记录了违纪，您的考试已结束。';
      default: return '';
    }
  }

  function submitted(body) {
    phase = 'submitted';
    if (pollTimer) window.clearTimeout(pollTimer);
    lost = pendingCount();
    record.pending = {};
    store();
    items = [];
    confirmed = {};
    /* Nothing of the paper stays on the page. */
    clear(byId('q-stem'));
    clear(byId('q-options'));
    clear(byId('exam-grid'));
    byId('exam-dialog').hidden = true;
    byId('exam-warning').hidden = true;
    byId('exam-logout').onclick = logout;
    byId('exam-done-by').textContent = byWhom(body.submitted_by);
    byId('exam-done-answered').textContent = String(body.answered);
    byId('exam-done-total').textContent = String(body.total);
    var note = byId('exam-done-lost');
    note.textContent = lost ? '最后 ' + lost + ' 处改动在考试结束前没有送到服务器，未计入。' : '';
    note.hidden = !lost;
    show();
  }

  /* This browser's login ended: the invigilator moved the candidate to another computer,
     or the login ran out. Changes not yet saved stay in this browser's storage. */
  function ended() {
    phase = 'ended';
    if (pollTimer) window.clearTimeout(pollTimer);
    clear(byId('q-stem'));
    clear(byId('q-options'));
    byId('exam-dialog').hidden = true;
    var n = pendingCount();
    status('本机的登录已结束', '可能监考员已为您换到另一台电脑，或登录已过期。' +
      (n ? '本机还有 ' + n + ' 处改动没有保存到服务器。' : '已保存的答案都在服务器上。') +
      '如需继续考试，请举手告知监考员。');
    byId('exam-status-buttons').hidden = false;
    show();
  }

  function status(title, text) {
    byId('exam-status-title').textContent = title;
    byId('exam-status-text').textContent = text;
  }

  /* ---- What is shown ---- */

  function show() {
    var paper = phase === 'answering' || phase === 'over';
    byId('exam-confirm').hidden = phase !== 'confirm';
    byId('exam-status').hidden = !(phase === 'waiting' || phase === 'over' || phase === 'ended' ||
      (phase === 'start' && byId('exam-status-title').textContent !== ''));
    byId('exam-paper').hidden = !paper;
    byId('exam-done').hidden = phase !== 'submitted';
    if (!paper && phase !== 'over') byId('exam-warning').hidden = true;
    if (paper) {
      byId('exam-answered').textContent = String(answeredCount());
      byId('exam-total').textContent = String(items.length);
      byId('exam-submit').disabled = phase !== 'answering';
      showGrid();
      showQuestion();
      /* The bar with the time and 交卷 stays on screen under the header (common.js). */
      C.layout();
    }
    showSync();
  }

  function showSync() {
    var box = byId('exam-sync');
    if (!box) return;
    var n = pendingCount();
    byId('exam-sync-state').textContent = n ? '未同步 (' + n + ')' : '已保存';
    var note = '';
    if (n && phase === 'ended') note = '登录已结束';
    else if (n) note = trouble || '正在保存……';
    if (!storageWorks) note += (note ? '；' : '') + '本浏览器不能暂存答案，请勿关闭页面';
    byId('exam-sync-note').textContent = note ? '· ' + note : '';
    box.className = 'sync ' + (!storageWorks ? 'problem' : n ? 'pending' : 'ok');
  }

  function kindLabel(kind) {
    return kind === 'single' ? '单选题' : kind === 'multiple' ? '多选题（有两个或以上正确选项）' : kind === 'judge' ? '判断题' : kind;
  }

  function points(value) {
    return String(Math.round(value * 100) / 100);
  }

  function buildGrid() {
    var grid = byId('exam-grid');
    clear(grid);
    for (var i = 0; i < items.length; i++) {
      (function (index) {
        var b = el('button', 'jump', items[index].position);
        b.type = 'button';
        b.id = 'jump-' + items[index].position;
        b.onclick = function () { go(index); };
        grid.appendChild(b);
      })(i);
    }
  }

  function showGrid() {
    for (var i = 0; i < items.length; i++) {
      var position = items[i].position;
      var b = byId('jump-' + position);
      if (!b) continue;
      var answered = answerOf(position) !== '';
      var marked = !!record.marks[position];
      b.className = 'jump' + (answered ? ' answered' : '') + (marked ? ' marked' : '') + (i === current ? ' current' : '');
      b.setAttribute('aria-label', '第 ' + position + ' 题，' + (answered ? '已答' : '未答') + (marked ? '，已标记' : '') +
        (i === current ? '，当前题' : ''));
    }
  }

  /* The current question's page: built again when another question is shown; the
     choices' states follow the answer on every show(). */
  var shownPosition = null;

  function optionControl(item, index) {
    var letter = LETTERS.charAt(index);
    var label = el('label', 'choice option');
    var input = el('input');
    input.type = item.kind === 'multiple' ? 'checkbox' : 'radio';
    input.name = 'q-answer';
    input.value = letter;
    input.onchange = function () { pick(item, letter, input.checked); };
    label.appendChild(input);
    label.appendChild(el('span', 'letter', letter));
    label.appendChild(el('span', 'text', item.options[index]));
    return label;
  }

  function judgeControl(item, value) {
    var b = el('button', 'judge', value);
    b.type = 'button';
    b.value = value;
    b.onclick = function () { choose(item.position, value); };
    return b;
  }

  function buildQuestion(item) {
    shownPosition = item.position;
    byId('q-where').textContent = '第 ' + item.position + ' 题，共 ' + items.length + ' 题 · ' + kindLabel(item.kind) + ' · ' +
      points(item.points) + ' 分';
    byId('q-stem').textContent = item.stem;
    var box = byId('q-options');
    clear(box);
    box.className = 'options ' + item.kind;
    if (item.kind === 'judge') {
      box.appendChild(judgeControl(item, '对'));
      box.appendChild(judgeControl(item, '错'));
    } else {
      for (var i = 0; i < item.options.length && i < LETTERS.length; i++) box.appendChild(optionControl(item, i));
    }
  }

  function showQuestion() {
    var item = items[current];
    if (!item) return;
    if (shownPosition !== item.position || !byId('q-options').firstChild) buildQuestion(item);
    var answer = answerOf(item.position);
    var open = phase === 'answering';
    var controls = byId('q-options').querySelectorAll('input, button');
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      var on = item.kind === 'multiple' ? answer.indexOf(c.value) >= 0 : answer === c.value;
      if (c.tagName === 'INPUT') {
        c.checked = on;
        c.parentNode.className = 'choice option' + (on ? ' chosen' : '');
      } else {
        c.className = 'judge' + (on ? ' chosen' : '');
        c.setAttribute('aria-pressed', on ? 'true' : 'false');
      }
      c.disabled = !open;
    }
    var marked = !!record.marks[item.position];
    byId('q-mark').textContent = marked ? '取消标记' : '标记此题，稍后再看';
    byId('q-mark').className = marked ? 'marked' : '';
    byId('q-mark').disabled = !open;
    byId('q-clear').disabled = !open || answer === '';
    byId('q-prev').disabled = current === 0;
    byId('q-next').disabled = current === items.length - 1;
    var state = byId('q-state');
    var p = record.pending[item.position];
    if (refused[item.position]) {
      state.textContent = '未保存：' + refused[item.position];
      state.className = 'save-state problem';
    } else if (p && inflight[item.position] === p.seq) {
      state.textContent = '正在保存';
      state.className = 'save-state pending';
    } else if (p) {
      state.textContent = '未保存（' + (trouble || '稍后自动重发') + '）';
      state.className = 'save-state problem';
    } else if (answer !== '') {
      state.textContent = '已保存';
      state.className = 'save-state ok';
    } else {
      state.textContent = '未作答';
      state.className = 'save-state';
    }
  }

  /* Shows question `index`; its top is brought on screen (below the header and the bar)
     when it is not, as after choosing a number in the navigator below it on a phone. */
  function go(index) {
    if (index < 0 || index >= items.length) return;
    current = index;
    show();
    var covered = C.layout();
    var top = byId('exam-question').getBoundingClientRect().top;
    if (top < covered || top > (window.innerHeight || document.documentElement.clientHeight) - 120) {
      var y = top + (window.pageYOffset || document.documentElement.scrollTop) - covered - 8;
      window.scrollTo(0, Math.max(0, y));
    }
  }

  /* A choice on the current question: a letter (single, multiple) or 对/错 (judge). */
  function pick(item, letter, on) {
    if (item.kind === 'multiple') {
      var answer = answerOf(item.position), out = '';
      for (var i = 0; i < LETTERS.length; i++) {
        var l = LETTERS.charAt(i);
        if (l === letter ? on : answer.indexOf(l) >= 0) out += l;
      }
      choose(item.position, out);
    } else {
      choose(item.position, letter);
    }
  }

  /* A key's name: event.key where the browser has it, else from keyCode. */
  function keyOf(event) {
    if (event.key && event.key !== 'Unidentified') return event.key;
    var k = event.keyCode || event.which;
    if (k === 37) return 'ArrowLeft';
    if (k === 39) return 'ArrowRight';
    if (k >= 65 && k <= 90) return String.fromCharCode(k);
    if (k >= 48 && k <= 57) return String.fromCharCode(k);
    if (k >= 97 && k <= 105) return String(k - 96);
    return '';
  }

  function onKey(event) {
    if (phase !== 'answering' || !byId('exam-dialog').hidden) return;
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    var item = items[current];
    if (!item) return;
    var key = keyOf(event);
    var index = -1;
    if (key === 'ArrowLeft' || key === 'Left') {
      go(current - 1);
    } else if (key === 'ArrowRight' || key === 'Right') {
      go(current + 1);
    } else if (key === 'm' || key === 'M') {
      mark();
    } else if (key.length === 1 && LETTERS.indexOf(key.toUpperCase()) >= 0) {
      index = LETTERS.indexOf(key.toUpperCase());
    } else if (key.length === 1 && key >= '1' && key <= '6') {
      index = parseInt(key, 10) - 1;
    } else {
      return;
    }
    event.preventDefault();
    if (index < 0) return;
    if (item.kind === 'judge') {
      if (index < 2) choose(item.position, index === 0 ? '对' : '错');
    } else if (index < item.options.length) {
      var letter = LETTERS.charAt(index);
      pick(item, letter, item.kind === 'multiple' ? answerOf(item.position).indexOf(letter) < 0 : true);
    }
  }

  function mark() {
    var item = items[current];
    if (!item) return;
    if (record.marks[item.position]) delete record.marks[item.position];
    else record.marks[item.position] = true;
    store();
    show();
  }

  /* ---- Handing in ---- */

  function openSubmit() {
    if (phase !== 'answering') return;
    var missing = unanswered();
    var text = missing.length
      ? '还有 ' + missing.length + ' 题没有作答（第 ' + missing.join('、') + ' 题）。确定交卷吗？'
      : '全部 ' + items.length + ' 题都已作答。确定交卷吗？';
    byId('exam-dialog-text').textContent = text;
    byId('exam-dialog-error').hidden = true;
    byId('exam-dialog-confirm').disabled = false;
    byId('exam-dialog-confirm').textContent = '确定交卷';
    byId('exam-dialog').hidden = false;
    byId('exam-dialog-cancel').focus();
  }

  function closeSubmit() {
    byId('exam-dialog').hidden = true;
    byId('exam-submit').focus();
  }

  function submitFailed(message) {
    byId('exam-dialog-error').textContent = message;
    byId('exam-dialog-error').hidden = false;
    byId('exam-dialog-confirm').disabled = false;
    byId('exam-dialog-confirm').textContent = '再试一次';
  }

  /* The changes still unsaved go first (up to 10 s), then the paper is handed in. */
  function submit() {
    var button = byId('exam-dialog-confirm');
    button.disabled = true;
    button.textContent = '正在交卷……';
    var started = now();
    var attempt = function () {
      if (pendingCount() && now() - started < 10000) {
        resend();
        window.setTimeout(attempt, 300);
        return;
      }
      if (pendingCount()) {
        submitFailed('还有 ' + pendingCount() + ' 处改动没能保存到服务器（' + (trouble || '网络问题') + '）。请举手告知监考员，或稍后再试。');
        return;
      }
      C.api('POST', '/api/exam/submit', {}, 15000).then(function (reply) {
        if (reply.status === 200 && reply.body && reply.body.submitted) {
          byId('exam-dialog').hidden = true;
          refresh();
        } else if (reply.status === 401) {
          ended();
        } else {
          submitFailed(C.errorText(reply, '交卷没有成功（' + reply.status + '）') + '。请举手告知监考员。');
        }
      }, function () {
        submitFailed('连不上服务器，没有交卷。请稍后再试，或举手告知监考员。');
      });
    };
    attempt();
  }

  /* ---- Wiring ---- */

  /* The questions are not to be copied out through the page. */
  function noCopy(event) {
    if (phase === 'answering' || phase === 'over') {
      event.preventDefault();
      return false;
    }
    return true;
  }

  load();
  byId('q-prev').onclick = function () { go(current - 1); };
  byId('q-next').onclick = function () { go(current + 1); };
  byId('q-mark').onclick = mark;
  byId('q-clear').onclick = function () {
    if (items[current]) choose(items[current].position, '');
  };
  byId('exam-submit').onclick = openSubmit;
  byId('exam-dialog-cancel').onclick = closeSubmit;
  byId('exam-dialog-confirm').onclick = submit;
  byId('exam-dialog').onkeydown = function (event) {
    if ((event.key === 'Escape' || event.keyCode === 27) && !byId('exam-dialog-confirm').disabled) closeSubmit();
  };
  byId('exam-warning-ok').onclick = function () { byId('exam-warning').hidden = true; };
  document.addEventListener('keydown', onKey);
  document.addEventListener('copy', noCopy);
  document.addEventListener('cut', noCopy);
  document.addEventListener('contextmenu', noCopy);
  byId('exam-question').addEventListener('selectstart', noCopy);
  byId('exam-question').addEventListener('dragstart', noCopy);
  window.addEventListener('online', resend);
  window.setInterval(resend, RETRY_MS);
  window.setInterval(clock, 500);

  byId('exam-confirm-yes').onclick = function () {
    sessionFlag(confirmKey(examNo), true);
    phase = 'start';
    show();
    refresh();
  };
  if (sessionFlag(confirmKey(examNo))) {
    refresh();
  } else {
    phase = 'confirm';
  }
  show();
})();
