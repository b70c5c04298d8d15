/* The chief examiner's board: reads GET /api/chief/board every few seconds and shows
   where the grading stands, the tasks waiting for arbitration (the examiners' totals side
   by side, with the form that posts to /api/chief/resolve), the vetoes with their
   reasons, each task's progress per examiner, the examiners' agreement, and the rooms of
   the computer-based exam. A section is
   rebuilt only when its data changed, and what the chief is typing is kept. Everything
   is built from text nodes. Plain ES5. */
(function () {
  'use strict';
  var C = window.Certify;
  var byId = C.byId, el = C.el, clear = C.clear;
  var POLL_MS = 3000;
  var last = {};
  var updatedAt = '';
  var busy = false;

  function num(v) {
    if (v === null || v === undefined) return '—';
    var r = Math.round(v * 100) / 100;
    return String(r);
  }

  function label(status) {
    switch (status.status) {
      case 'missing': return '待评（' + status.have + '/' + status.need + '）';
      case 'even': return '需再有一位考评员（现 ' + status.have + ' 位）';
      case 'vetoed': return '否决（' + status.vetoes.join('、') + '），记 0 分';
      case 'arbitration': return '待仲裁（' + num(status.low) + '–' + num(status.high) + '）';
      case 'scored': return '已评';
      case 'resolved': return '已仲裁';
      default: return status.status;
    }
  }

  /* Rebuilds `id` with `build(node)` when `data` differs from last time, keeping the
     values typed into its inputs (by their data-key) and the focus. */
  function section(id, data, build) {
    var signature = JSON.stringify(data);
    if (last[id] === signature) return;
    last[id] = signature;
    var node = byId(id);
    var kept = {};
    var focused = document.activeElement && document.activeElement.getAttribute ? document.activeElement.getAttribute('data-key') : null;
    var inputs = node.querySelectorAll('[data-key]');
    for (var i = 0; i < inputs.length; i++) kept[inputs[i].getAttribute('data-key')] = inputs[i].value;
    clear(node);
    build(node);
    inputs = node.querySelectorAll('[data-key]');
    for (i = 0; i < inputs.length; i++) {
      var key = inputs[i].getAttribute('data-key');
      if (kept.hasOwnProperty(key)) inputs[i].value = kept[key];
      if (key === focused) inputs[i].focus();
    }
  }

  function openCandidates(board) {
    return board.status.candidates.filter(function (c) { return !c.not_graded; });
  }

  function summary(board) {
    var s = board.status;
    var t = s.tasks || {};
    var n = function (k) { return t[k] || 0; };
    section('board-summary', [s.complete, t, s.candidates.length, s.not_graded], function (node) {
      node.appendChild(el('p', '', '考生 ' + s.candidates.length + ' 人，实操已出成绩 ' + s.complete + ' 人' +
        (s.not_graded ? '；不评实操 ' + s.not_graded + ' 人' : '') + '。'));
      var counts = el('div', 'counts');
      var items = [['已评', 'scored'], ['已仲裁', 'resolved'], ['否决', 'vetoed'], ['待仲裁', 'arbitration'], ['待评', 'missing'], ['需再加一位考评员', 'even']];
      for (var i = 0; i < items.length; i++) {
        var hot = (items[i][1] === 'arbitration' || items[i][1] === 'even') && n(items[i][1]) > 0;
        counts.appendChild(el('span', hot ? 'hot' : '', items[i][0] + ' ' + n(items[i][1])));
      }
      node.appendChild(counts);
    });
  }

  function resolveForm(card, exam, task, name) {
    var form = el('div', 'resolve');
    var key = exam + '|' + task;
    var idScore = 'resolve-score-' + exam + '-' + task;
    var idReason = 'resolve-reason-' + exam + '-' + task;
    var l1 = el('label', '', '仲裁分数（0–100）');
    l1.setAttribute('for', idScore);
    var score = el('input', 'resolve-score');
    score.type = 'number';
    score.min = '0';
    score.max = '100';
    score.step = '0.5';
    score.id = idScore;
    score.setAttribute('inputmode', 'decimal');
    score.setAttribute('data-key', 'score|' + key);
    var l2 = el('label', '', '仲裁理由');
    l2.setAttribute('for', idReason);
    var reason = el('input', 'resolve-reason');
    reason.type = 'text';
    reason.id = idReason;
    reason.maxLength = 500;
    reason.setAttribute('data-key', 'reason|' + key);
    var button = el('button', 'primary resolve-submit', '提交仲裁');
    button.type = 'button';
    var message = el('p', 'error resolve-message');
    message.hidden = true;
    message.setAttribute('role', 'alert');
    var a = el('div');
    a.appendChild(l1);
    a.appendChild(score);
    var b = el('div');
    b.appendChild(l2);
    b.appendChild(reason);
    form.appendChild(a);
    form.appendChild(b);
    form.appendChild(button);
    card.appendChild(form);
    card.appendChild(message);
    button.onclick = function () {
      var value = parseFloat(score.value);
      var why = reason.value.replace(/^\s+|\s+$/g, '');
      message.className = 'error resolve-message';
      if (isNaN(value) || value < 0 || value > 100) {
        message.textContent = '请填写 0 到 100 之间的仲裁分数';
        message.hidden = false;
        return;
      }
      if (!why) {
        message.textContent = '请写明仲裁理由';
        message.hidden = false;
        return;
      }
      button.disabled = true;
      C.api('POST', '/api/chief/resolve', { candidate: exam, task: task, score: value, reason: why }, 15000).then(function (answer) {
        button.disabled = false;
        if (answer.status === 200) {
          message.className = 'ok-text resolve-message';
          message.textContent = '已记录仲裁：' + exam + ' ' + name + ' 的 ' + task + ' 记 ' + num(value) + ' 分';
          message.hidden = false;
          poll();
        } else {
          message.textContent = C.errorText(answer, '仲裁没有记录（' + answer.status + '）');
          message.hidden = false;
        }
      }, function () {
        button.disabled = false;
        message.textContent = '连不上服务器，仲裁没有记录；请稍后再提交';
        message.hidden = false;
      });
    };
  }

  function disputes(board) {
    var list = [];
    openCandidates(board).forEach(function (c) {
      c.tasks.forEach(function (t) {
        if (t.status.status === 'arbitration') list.push({ c: c, t: t });
      });
    });
    section('board-disputes', [list, board.plan], function (node) {
      byId('board-disputes-panel').className = 'panel' + (list.length ? ' alert' : '');
      if (!list.length) {
        node.appendChild(el('p', 'ok-text', '没有待仲裁的任务。'));
        return;
      }
      list.forEach(function (d) {
        var exam = d.c.exam_no, task = d.t.task, name = board.names[exam] || '';
        var card = el('div', 'dispute');
        card.setAttribute('data-exam-no', exam);
        card.setAttribute('data-task', task);
        card.appendChild(el('h3', '', exam + ' ' + name + ' · ' + task + ' ' + (board.titles[task] || '')));
        var gap = d.t.status.high - d.t.status.low;
        card.appendChild(el('p', 'warn', '最低 ' + num(d.t.status.low) + ' 分，最高 ' + num(d.t.status.high) + ' 分，相差 ' +
          num(gap) + ' 分，超过方案规定的 ' + num(board.plan.discrepancy) + ' 分'));
        var side = el('div', 'sidebyside');
        d.t.examiners.forEach(function (e) {
          var cls = 'mark' + (e.total === d.t.status.low ? ' low' : '') + (e.total === d.t.status.high ? ' high' : '');
          var box = el('div', cls);
          box.appendChild(el('span', '', e.examiner));
          box.appendChild(el('b', 'mark-total', num(e.total)));
          if (e.vetoes.length) box.appendChild(el('span', 'veto-flag', '否决 ' + e.vetoes.join('、')));
          side.appendChild(box);
        });
        card.appendChild(side);
        resolveForm(card, exam, task, name);
        node.appendChild(card);
      });
    });
  }

  function taskStatus(board, exam, task) {
    var found = null;
    board.status.candidates.forEach(function (c) {
      if (c.exam_no === exam) c.tasks.forEach(function (t) { if (t.task === task) found = t; });
    });
    return found;
  }

  function vetoes(board) {
    section('board-vetoes', [board.vetoes, board.status.tasks], function (node) {
      if (!board.vetoes.length) {
        node.appendChild(el('p', '', '没有考评员标记否决项。'));
        return;
      }
      var ul = el('ul', 'marked');
      board.vetoes.forEach(function (v) {
        var li = el('li', 'veto-mark');
        var t = taskStatus(board, v.exam_no, v.task);
        li.appendChild(el('b', '', v.exam_no + ' ' + (board.names[v.exam_no] || '') + ' · ' + v.task + '：'));
        li.appendChild(document.createTextNode(v.examiner + ' 标记 ' + v.veto + (v.text ? '（' + v.text + '）' : '')));
        li.appendChild(el('br'));
        li.appendChild(el('span', 'veto-reason', '理由：' + (v.reason || '（未写，来自导入的评分文件或命令行）')));
        if (t) li.appendChild(el('span', 'hint', '　任务状态：' + label(t.status)));
        ul.appendChild(li);
      });
      node.appendChild(ul);
    });
  }

  /* Corrections examiners sent with a reason: the new total, the one it replaced, why. */
  function corrections(board) {
    var list = board.corrections || [];
    section('board-corrections', list, function (node) {
      if (!list.length) {
        node.appendChild(el('p', '', '没有考评员更正过已提交的评分。'));
        return;
      }
      var ul = el('ul', 'marked');
      list.forEach(function (c) {
        var li = el('li', 'correction');
        li.setAttribute('data-exam-no', c.exam_no);
        li.setAttribute('data-task', c.task);
        li.appendChild(el('b', '', c.exam_no + ' ' + (board.names[c.exam_no] || '') + ' · ' + c.task + '：'));
        var was = c.previous_total === null || c.previous_total === undefined ? '' : num(c.previous_total) + ' 分 → ';
        li.appendChild(document.createTextNode(c.examiner + ' 更正为 ' + was + num(c.total) + ' 分（' + time(c.entered_at) + '）' +
          (c.current ? '' : '，此后又有更正')));
        li.appendChild(el('br'));
        li.appendChild(el('span', 'correction-reason', '更正理由：' + c.reason));
        ul.appendChild(li);
      });
      node.appendChild(ul);
    });
  }

  function progress(board) {
    var tasks = {}, order = [];
    openCandidates(board).forEach(function (c) {
      c.tasks.forEach(function (t) {
        if (!tasks.hasOwnProperty(t.task)) { tasks[t.task] = []; order.push(t.task); }
        tasks[t.task].push({ c: c, t: t });
      });
    });
    order.sort();
    section('board-progress', [tasks, board.examiners], function (node) {
      if (!order.length) {
        node.appendChild(el('p', '', '还没有需要评分的考生。'));
        return;
      }
      order.forEach(function (task) {
        var rows = tasks[task];
        var names = [];
        rows.forEach(function (r) {
          r.t.examiners.forEach(function (e) { if (names.indexOf(e.examiner) < 0) names.push(e.examiner); });
        });
        names.sort();
        var block = el('div', 'task-progress');
        block.setAttribute('data-task', task);
        block.appendChild(el('h3', '', task + ' ' + (board.titles[task] || '') + '（' + rows.length + ' 人）'));
        var per = names.map(function (name) {
          var done = rows.filter(function (r) {
            return r.t.examiners.some(function (e) { return e.examiner === name; });
          }).length;
          return name + ' 已评 ' + done + '，待评 ' + (rows.length - done);
        });
        if (per.length) block.appendChild(el('p', '', per.join('；')));
        var idle = board.examiners.filter(function (e) { return names.indexOf(e.name) < 0; }).map(function (e) { return e.name; });
        if (idle.length) block.appendChild(el('p', 'hint', '尚未评本任务的考评员：' + idle.join('、')));
        var wrap = el('div', 'scroll');
        var table = el('table', 'grid');
        var head = el('tr');
        ['准考证号', '姓名'].concat(names).concat(['状态', '任务得分']).forEach(function (h) { head.appendChild(el('th', '', h)); });
        var thead = el('thead');
        thead.appendChild(head);
        table.appendChild(thead);
        var tbody = el('tbody');
        rows.forEach(function (r) {
          var tr = el('tr', r.t.status.status);
          tr.setAttribute('data-exam-no', r.c.exam_no);
          tr.appendChild(el('td', '', r.c.exam_no));
          tr.appendChild(el('td', '', board.names[r.c.exam_no] || ''));
          names.forEach(function (name) {
            var entry = null;
            r.t.examiners.forEach(function (e) { if (e.examiner === name) entry = e; });
            tr.appendChild(entry ? el('td', 'got', num(entry.total) + (entry.vetoes.length ? ' 否决' : '')) : el('td', 'wait', '待评'));
          });
          tr.appendChild(el('td', 'status', label(r.t.status)));
          tr.appendChild(el('td', 'score', num(r.t.score)));
          tbody.appendChild(tr);
        });
        table.appendChild(tbody);
        wrap.appendChild(table);
        block.appendChild(wrap);
        node.appendChild(block);
      });
    });
  }

  function agreement(board) {
    var a = board.status.agreement || {};
    section('board-agreement', a, function (node) {
      if (a.icc === null || a.icc === undefined) {
        node.appendChild(el('p', '', '已评完的考生还不够，暂时不能计算一致性：同一组考评员评完同一任务的至少 2 位考生后显示 ICC。'));
      } else {
        var panels = a.panels ? a.panels.length : 0;
        node.appendChild(el('p', 'icc', '考评员一致性 ICC(2,1)：' + a.icc.toFixed(3) + '（按任务和考评组计算，' + panels + ' 组）' +
          (a.severity_sd !== null && a.severity_sd !== undefined ? '；宽严程度的标准差 ' + a.severity_sd.toFixed(2) : '')));
      }
      if (a.examiners && a.examiners.length) {
        var wrap = el('div', 'scroll');
        var table = el('table', 'grid');
        var head = el('tr');
        ['考评员', '评分任务数', '宽严（与组内平均之差）', '提示'].forEach(function (h) { head.appendChild(el('th', '', h)); });
        table.appendChild(head);
        a.examiners.forEach(function (e) {
          var tr = el('tr');
          tr.appendChild(el('td', '', e.examiner));
          tr.appendChild(el('td', '', e.tasks));
          tr.appendChild(el('td', '', (e.severity >= 0 ? '+' : '') + e.severity.toFixed(2)));
          tr.appendChild(el('td', e.flagged ? 'warn' : '', e.flagged ? '偏离明显，请复核' : ''));
          table.appendChild(tr);
        });
        wrap.appendChild(table);
        node.appendChild(wrap);
      }
    });
  }

  /* The computer-based exam's rooms: where each stands, with the way to the console. */
  function rooms(board) {
    var list = board.rooms || [];
    section('board-rooms', list, function (node) {
      var active = list.some(function (r) { return r.opened || r.counts.not_logged_in < r.candidates; });
      if (!active) {
        node.appendChild(el('p', 'hint', '还没有考场开考，也没有考生登录机考。'));
      }
      var table = el('table', 'grid');
      var head = el('tr');
      ['考场', '开考', '考生', '未登录', '等待开考', '答题中', '已交卷'].forEach(function (h) { head.appendChild(el('th', '', h)); });
      table.appendChild(head);
      list.forEach(function (r) {
        var row = el('tr');
        [r.room, r.opened ? r.opened_at : '未开考', r.candidates, r.counts.not_logged_in, r.counts.waiting,
          r.counts.answering, r.counts.submitted].forEach(function (v) { row.appendChild(el('td', '', v)); });
        table.appendChild(row);
      });
      node.appendChild(table);
      var link = el('a', '', '打开监考台（开考、延时、重置登录、违纪、收卷）');
      link.href = '/invigilator';
      node.appendChild(el('p')).appendChild(link);
    });
  }

  var PRACTICAL_PANELS = ['board-disputes-panel', 'board-vetoes-panel', 'board-corrections-panel', 'board-progress-panel', 'board-agreement-panel'];

  /* The practical part's sections; a session without a practical plan (theory on
     computer only) shows why in the summary and hides the rest. */
  function practical(board) {
    var none = !board.status;
    PRACTICAL_PANELS.forEach(function (id) { byId(id).hidden = none; });
    if (none) {
      section('board-summary', board.practical, function (node) {
        node.appendChild(el('p', 'hint', '实操：' + (board.practical || '没有实操评分')));
      });
      return;
    }
    summary(board);
    disputes(board);
    vetoes(board);
    corrections(board);
    progress(board);
    agreement(board);
  }

  function time(text) {
    var m = /T(\d\d:\d\d:\d\d)/.exec(text || '');
    return m ? m[1] : text;
  }

  function poll() {
    if (busy) return;
    busy = true;
    C.api('GET', '/api/chief/board', undefined, 10000).then(function (answer) {
      busy = false;
      if (answer.status === 401) {
        window.location.href = '/';
        return;
      }
      if (answer.status !== 200 || !answer.body) {
        byId('board-updated').textContent = C.errorText(answer, '读取评分进度没有成功（' + answer.status + '）') + '，稍后自动重试';
        return;
      }
      var board = answer.body;
      updatedAt = time(board.updated_at);
      byId('board-updated').textContent = '更新于 ' + updatedAt + '（每 ' + POLL_MS / 1000 + ' 秒自动刷新）';
      practical(board);
      rooms(board);
    }, function () {
      busy = false;
      byId('board-updated').textContent = '连接中断，正在重试……' + (updatedAt ? '（上次更新 ' + updatedAt + '）' : '');
    });
  }

  poll();
  window.setInterval(poll, POLL_MS);
})();
