/* The invigilator's console (监考台) for the computer-based theory exam: reads
   GET /api/invigilator/rooms every 3 s and shows each room (opened or its 开考 button, the
   counts) with its candidates: state, time left, last contact. Every action asks in a
   small form (the reason, and the minutes for extra time; the misconduct is confirmed a
   second time), posts to its endpoint and shows the server's refusal as it is worded.
   Rows are kept by exam number and written in place (time, state, last contact), so a
   button does not move away under a click; a row is built again only when its buttons
   change. Everything is built from text nodes. Plain ES5. */
(function () {
  'use strict';
  var C = window.Certify;
  var byId = C.byId, el = C.el, clear = C.clear, trim = C.trim, mmss = C.mmss;
  var POLL_MS = 3000;
  /* An answering candidate's computer silent this long is flagged. */
  var SILENT_S = 60;
  var busy = false;
  var shownAt = '';
  var views = {};           /* room name -> its elements (see roomView) */
  /* The table's columns: cell class, heading. */
  var COLUMNS = [['code', '准考证号'], ['name', '姓名'], ['seat', '座位'], ['state', '状态'],
    ['remaining', '剩余时间'], ['contact', '最后联系'], ['actions', '操作']];
  var roomNames = '';

  var ACTIONS = {
    open: {
      title: '开考', path: '/api/invigilator/open', reason: false, button: '确定开考', danger: false,
      warning: '开考后本考场每位已登录考生的电脑立即显示试题，考试开始计时。未登录的考生登录后直接进入答题。'
    },
    extra: {
      title: '延长时间', path: '/api/invigilator/extra-time', reason: true, minutes: true, button: '确定延长', danger: false,
      warning: '只为这一位考生延长，例如电脑故障耽误的时间。'
    },
    reset: {
      title: '重置登录（换电脑）', path: '/api/invigilator/reset-login', reason: true, button: '确定重置', danger: false,
      warning: '考生原来那台电脑上的登录立即结束；考生可以在另一台电脑上用准考证上的同一个登录码再登录一次，已保存的答案都在。'
    },
    misconduct: {
      title: '记录违纪并结束考试', path: '/api/invigilator/misconduct', reason: true, twice: true, button: '下一步', danger: true,
      warning: '考生的考试立即结束，理论成绩按违纪处理、不评分。此操作不能撤销。'
    },
    submit: {
      title: '强制交卷', path: '/api/invigilator/submit', reason: true, button: '确定强制交卷', danger: true,
      warning: '考生的试卷立即交卷并按已保存的答案评分，考生不能再作答。'
    }
  };

  function secondsOfDay(hms) {
    var m = /^(\d\d):(\d\d):(\d\d)$/.exec(hms || '');
    return m ? parseInt(m[1], 10) * 3600 + parseInt(m[2], 10) * 60 + parseInt(m[3], 10) : null;
  }

  /* How long ago `hms` was, at the server's `now` (both HH:MM:SS), in seconds. */
  function ago(now, hms) {
    var a = secondsOfDay(now), b = secondsOfDay(hms);
    if (a === null || b === null) return null;
    return (a - b + 86400) % 86400;
  }

  function byWhom(by) {
    switch (by) {
      case 'candidate': return '考生本人';
      case 'timeout': return '时间到自动交卷';
      case 'invigilator': return '监考员强制交卷';
      case 'misconduct': return '违纪，考试结束';
      default: return by || '';
    }
  }

  /* Whether the candidate's time runs: the room is open and the paper not handed in
     (also while no browser is logged in, as after a reset). */
  function running(c) {
    return c.state !== 'submitted' && typeof c.remaining_s === 'number';
  }

  function stateText(c) {
    switch (c.state) {
      case 'not_logged_in': return '未登录' + (running(c) ? '（计时中，已答 ' + c.answered + '/' + c.total + '）' : '');
      case 'waiting': return '等待开考';
      case 'answering': return '答题中 ' + c.answered + '/' + c.total;
      case 'submitted': return '已交卷（' + byWhom(c.submitted_by) + '）';
      default: return c.state;
    }
  }

  /* ---- The action form ---- */

  var dialog = { kind: null, target: null, step: 1, opener: null };

  function who(target) {
    return target.exam_no ? target.exam_no + ' ' + target.name : '考场：' + target.room;
  }

  function openDialog(kind, target, opener) {
    var action = ACTIONS[kind];
    dialog = { kind: kind, target: target, step: 1, opener: opener };
    byId('action-title').textContent = action.title;
    byId('action-who').textContent = target.exam_no
      ? '考生 ' + who(target) + (target.seat ? '（座位 ' + target.seat + '）' : '')
      : who(target) + (target.count !== undefined ? '，考生 ' + target.count + ' 人' : '');
    byId('action-warning').textContent = action.warning;
    byId('action-minutes-field').hidden = !action.minutes;
    byId('action-minutes').value = '5';
    byId('action-reason-field').hidden = false;
    byId('action-reason-label').textContent = action.reason ? '原因（必填，会记入考场记录）' : '备注（可不写）';
    byId('action-reason').value = '';
    byId('action-error').hidden = true;
    var confirm = byId('action-confirm');
    confirm.textContent = action.button;
    confirm.className = action.danger ? 'danger' : 'primary';
    confirm.disabled = false;
    byId('action-dialog').hidden = false;
    (action.minutes ? byId('action-minutes') : byId('action-reason')).focus();
  }

  function closeDialog() {
    byId('action-dialog').hidden = true;
    var back = dialog.opener && dialog.opener.getAttribute('data-key');
    dialog = { kind: null, target: null, step: 1, opener: null };
    var again = back ? document.querySelector('[data-key="' + back + '"]') : null;
    if (again && !again.disabled) again.focus();
  }

  function failed(message) {
    var error = byId('action-error');
    error.textContent = message;
    error.hidden = false;
    byId('action-confirm').disabled = false;
  }

  function done(kind, target, body, sent) {
    switch (kind) {
      case 'open': return '已开考：' + target.room + '，考生 ' + body.candidates + ' 人，开始计时。';
      case 'extra': return '已为 ' + who(target) + ' 延长 ' + sent.minutes + ' 分钟' +
        (typeof body.remaining_s === 'number' ? '，现在剩余 ' + mmss(body.remaining_s) : '') + '。';
      case 'reset': return '已重置 ' + who(target) + ' 的登录（结束了 ' + body.ended_logins + ' 处登录）。' +
        '请考生在另一台电脑上用同一个登录码登录。';
      case 'misconduct': return '已记录 ' + who(target) + ' 违纪，考试已结束。';
      case 'submit': return '已为 ' + who(target) + ' 强制交卷。';
      default: return '';
    }
  }

  function confirmDialog() {
    var action = ACTIONS[dialog.kind];
    var target = dialog.target;
    var reason = trim(byId('action-reason').value);
    if (action.reason && !reason) {
      failed('请写明原因');
      byId('action-reason').focus();
      return;
    }
    var body = target.exam_no ? { exam_no: target.exam_no } : { room: target.room };
    if (reason) body.reason = reason;
    if (action.minutes) {
      var minutes = Number(trim(byId('action-minutes').value));
      if (!(minutes >= 1 && minutes <= 120 && Math.floor(minutes) === minutes)) {
        failed('延长的分钟数应是 1 到 120 之间的整数');
        byId('action-minutes').focus();
        return;
      }
      body.minutes = minutes;
    }
    if (action.twice && dialog.step === 1) {
      /* The second confirmation: the same form, saying once more what will happen. */
      dialog.step = 2;
      byId('action-title').textContent = '再次确认：' + action.title;
      byId('action-warning').textContent = '确定记录考生 ' + who(target) + ' 违纪并立即结束其考试吗？原因：' + reason + '。此操作不能撤销。';
      byId('action-reason-field').hidden = true;
      byId('action-error').hidden = true;
      byId('action-confirm').textContent = '确认违纪，结束考试';
      byId('action-confirm').focus();
      return;
    }
    var kind = dialog.kind;
    byId('action-error').hidden = true;
    byId('action-confirm').disabled = true;
    C.api('POST', action.path, body, 15000).then(function (answer) {
      if (answer.status === 401) {
        window.location.href = '/';
        return;
      }
      if (answer.status === 200 && answer.body) {
        tell(done(kind, target, answer.body, body));
        closeDialog();
        poll();
        return;
      }
      failed(C.errorText(answer, action.title + '没有成功（' + answer.status + '）'));
    }, function () {
      failed('连不上服务器，没有执行；请稍后再试');
    });
  }

  function tell(message) {
    var p = byId('console-message');
    p.textContent = message;
    p.hidden = !message;
  }

  /* ---- The rooms ---- */

  function button(text, className, key, onclick) {
    var b = el('button', className, text);
    b.type = 'button';
    b.setAttribute('data-key', key);
    b.onclick = function () { onclick(b); };
    return b;
  }

  /* What of a candidate's row changes while the exam runs: written into the row in place,
     so its buttons stay under the invigilator's finger. */
  function fill(tr, c, now) {
    var state = tr.querySelector('td.state');
    state.textContent = stateText(c);
    /* Why the candidate may not sit, when the server says (absent, withdrawn, no paper). */
    if (c.note) state.appendChild(el('span', 'extra-note', c.note));
    var time = tr.querySelector('td.remaining');
    clear(time);
    time.appendChild(el('span', 'code', typeof c.remaining_s === 'number' ? mmss(c.remaining_s) : '—'));
    if (c.extra_minutes) time.appendChild(el('span', 'extra-note', '（已延长 ' + c.extra_minutes + ' 分钟）'));
    var silent = c.last_contact ? ago(now, c.last_contact) : null;
    var contact = tr.querySelector('td.contact');
    contact.className = 'contact' + (c.state === 'answering' && silent !== null && silent > SILENT_S ? ' silent' : '');
    contact.textContent = c.last_contact || '—';
    if (silent !== null) contact.appendChild(el('span', 'ago', silent + ' 秒前'));
  }

  /* What decides a row's buttons: when it changes, the row is built again. */
  function shape(c) {
    return JSON.stringify([c.name, c.seat, c.state, c.submitted_by, running(c)]);
  }

  function row(c, now) {
    var tr = el('tr', c.state);
    tr.setAttribute('data-exam-no', c.exam_no);
    var cells = {};
    COLUMNS.forEach(function (column) {
      var td = el('td', column[0]);
      /* On a phone each row is a card, and each value says what it is (serve.css). */
      td.setAttribute('data-label', column[1]);
      cells[column[0]] = td;
      tr.appendChild(td);
    });
    cells.code.textContent = c.exam_no;
    cells.name.textContent = c.name;
    cells.seat.textContent = c.seat || '—';
    /* Only the actions that apply to the candidate now; none once the paper is in. */
    var actions = cells.actions;
    var runs = running(c);
    var key = function (kind) { return kind + '|' + c.exam_no; };
    var offer = function (kind, text, className) {
      actions.appendChild(button(text, className, key(kind), function (b) { openDialog(kind, c, b); }));
    };
    if (runs) offer('extra', '延长时间', 'extra');
    if (c.state === 'waiting' || c.state === 'answering') offer('reset', '重置登录（换电脑）', 'reset');
    if (c.state !== 'submitted') offer('misconduct', '记录违纪', 'misconduct danger');
    if (runs) offer('submit', '强制交卷', 'force danger');
    if (!actions.firstChild) actions.appendChild(document.createTextNode('—'));
    fill(tr, c, now);
    return tr;
  }

  function head(room) {
    var box = el('div', 'room-head');
    box.appendChild(el('h2', '', room.room));
    box.appendChild(el('span', 'room-state' + (room.opened ? ' opened' : ''),
      room.opened ? '已开考' + (room.opened_at ? '（' + room.opened_at + ' 开考）' : '') : '未开考'));
    if (!room.opened) {
      var target = { room: room.room, count: room.candidates.length };
      box.appendChild(button('开考', 'primary open-room', 'open|' + room.room, function (b) { openDialog('open', target, b); }));
    }
    return box;
  }

  function counts(room) {
    var k = room.counts || {};
    var box = el('div', 'counts');
    [['未登录', 'not_logged_in'], ['等待开考', 'waiting'], ['答题中', 'answering'], ['已交卷', 'submitted']].forEach(function (c) {
      box.appendChild(el('span', 'count-' + c[1], c[0] + ' ' + (k[c[1]] || 0)));
    });
    return box;
  }

  /* A room's frame: header, counts, and the table whose rows are kept by exam number. */
  function roomView(room) {
    var view = { box: el('section', 'panel room'), head: null, counts: null, tbody: el('tbody'), rows: {}, sig: {} };
    view.box.setAttribute('data-room', room.room);
    view.head = el('div');
    view.counts = el('div');
    view.box.appendChild(view.head);
    view.box.appendChild(view.counts);
    var wrap = el('div', 'scroll');
    var table = el('table', 'grid roster');
    var thead = el('thead');
    var tr = el('tr');
    COLUMNS.forEach(function (column) { tr.appendChild(el('th', '', column[1])); });
    thead.appendChild(tr);
    table.appendChild(thead);
    table.appendChild(view.tbody);
    wrap.appendChild(table);
    view.box.appendChild(wrap);
    return view;
  }

  /* Replaces `view[part]` by `build(room)` when `data` changed. */
  function part(view, name, data, build, room) {
    var signature = JSON.stringify(data);
    if (view.sig[name] === signature) return;
    view.sig[name] = signature;
    var fresh = build(room);
    view.box.replaceChild(fresh, view[name]);
    view[name] = fresh;
  }

  function showRoom(view, room, now) {
    part(view, 'head', [room.opened, room.opened_at, room.candidates.length], head, room);
    part(view, 'counts', room.counts, counts, room);
    var tbody = view.tbody, seen = {};
    room.candidates.forEach(function (c, i) {
      seen[c.exam_no] = true;
      var kept = view.rows[c.exam_no];
      if (!kept || kept.shape !== shape(c)) {
        var tr = row(c, now);
        if (kept) tbody.replaceChild(tr, kept.tr);
        kept = view.rows[c.exam_no] = { tr: tr, shape: shape(c) };
      } else {
        fill(kept.tr, c, now);
      }
      if (tbody.children[i] !== kept.tr) tbody.insertBefore(kept.tr, tbody.children[i] || null);
    });
    Object.keys(view.rows).forEach(function (examNo) {
      if (!seen[examNo]) {
        tbody.removeChild(view.rows[examNo].tr);
        delete view.rows[examNo];
      }
    });
  }

  function show(data) {
    var node = byId('rooms');
    var names = JSON.stringify(data.rooms.map(function (r) { return r.room; }));
    if (names !== roomNames) {
      roomNames = names;
      views = {};
      clear(node);
      if (!data.rooms.length) node.appendChild(el('p', 'panel', '本批次没有考生。'));
    }
    data.rooms.forEach(function (room) {
      if (!views[room.room]) {
        views[room.room] = roomView(room);
        node.appendChild(views[room.room].box);
      }
      showRoom(views[room.room], room, data.now);
    });
  }

  function poll() {
    if (busy) return;
    busy = true;
    C.api('GET', '/api/invigilator/rooms', undefined, 10000).then(function (answer) {
      busy = false;
      if (answer.status === 401) {
        window.location.href = '/';
        return;
      }
      if (answer.status !== 200 || !answer.body || !answer.body.rooms) {
        byId('console-updated').textContent = C.errorText(answer, '读取考场情况没有成功（' + answer.status + '）') + '，稍后自动重试';
        return;
      }
      shownAt = answer.body.now;
      byId('console-updated').textContent = '服务器时间 ' + shownAt + '（每 ' + POLL_MS / 1000 + ' 秒自动刷新）';
      show(answer.body);
    }, function () {
      busy = false;
      byId('console-updated').textContent = '连接中断，正在重试……' + (shownAt ? '（上次更新 ' + shownAt + '）' : '');
    });
  }

  byId('action-cancel').onclick = closeDialog;
  byId('action-confirm').onclick = confirmDialog;
  byId('action-dialog').onkeydown = function (event) {
    if (event.key === 'Escape' || event.keyCode === 27) closeDialog();
  };
  poll();
  window.setInterval(poll, POLL_MS);
})();
