/* The score sheet, step by step: identity check, one page per rubric step (score with
   − / + or typed, bounded to 0..max in half points), vetoes (each confirmed with a
   reason), comment and overall rating, then submit once every step is scored. Any step
   can be revisited before submitting. What is typed is kept as a draft in localStorage,
   so a reload loses nothing; a submission goes to the outbox (common.js) first and is
   shown read-only from then on. A stored entry is read-only too; its 更正 button opens
   the sheet again filled with the stored entry, and the finish page then asks for the
   correction reason, sent with the submission (the server refuses a second entry
   without one). Plain ES5. */
(function () {
  'use strict';
  var C = window.Certify;
  var root = document.getElementById('sheet');
  if (!root || !C) return;

  var examNo = root.getAttribute('data-exam-no');
  var task = root.getAttribute('data-task');
  var stored = root.getAttribute('data-stored') === 'yes';
  var correcting = false;
  var draftKey = 'certify-draft-v1|' + C.session + '|' + C.examiner + '|' + examNo + '|' + task +
    (stored ? '|correction|' + root.getAttribute('data-entered-at') : '');
  var stepPages = root.querySelectorAll('section.step');
  var steps = [];
  var n = stepPages.length;
  var pages = [];
  var current = 0;
  var scores = {};
  var vetoes = {};
  var vetoOrder = [];
  var submitted = null;
  var dialogVeto = null;
  var dialogReturn = null;
  var i;

  var byId = C.byId;

  for (i = 0; i < n + 2; i++) pages.push(byId('page-' + i));
  for (i = 0; i < n; i++) {
    steps.push({
      id: stepPages[i].getAttribute('data-step'),
      max: parseFloat(stepPages[i].getAttribute('data-max')),
      page: stepPages[i],
      input: stepPages[i].querySelector('input.points'),
      error: stepPages[i].querySelector('.step-error')
    });
  }

  function fmt(v) {
    var r = Math.round(v * 2) / 2;
    return r % 1 === 0 ? String(r) : r.toFixed(1);
  }

  function scoredCount() {
    var k = 0;
    for (var j = 0; j < n; j++) if (scores.hasOwnProperty(steps[j].id)) k++;
    return k;
  }

  function total() {
    var t = 0;
    for (var j = 0; j < n; j++) if (scores.hasOwnProperty(steps[j].id)) t += scores[steps[j].id];
    return t;
  }

  function saveDraft() {
    try {
      if (stored && !correcting) return;
      window.localStorage.setItem(draftKey, JSON.stringify({
        scores: scores, vetoes: vetoes, order: vetoOrder,
        comment: byId('comment').value, rating: rating(),
        reason: byId('correction-reason').value
      }));
    } catch (e) { /* the draft is a convenience; the outbox says when storage fails */ }
  }

  function dropDraft() {
    try { window.localStorage.removeItem(draftKey); } catch (e) { /* nothing kept */ }
  }

  function rating() {
    var radios = root.querySelectorAll('input[name=rating]');
    for (var j = 0; j < radios.length; j++) if (radios[j].checked) return radios[j].value;
    return '';
  }

  /* Everything that depends on the scores: totals, the navigator, the summary. */
  function refresh() {
    byId('total').textContent = fmt(total());
    byId('done-count').textContent = String(scoredCount());
    byId('veto-flag').hidden = vetoOrder.length === 0;
    var rows = byId('summary').querySelectorAll('tbody tr');
    for (var j = 0; j < n; j++) {
      var has = scores.hasOwnProperty(steps[j].id);
      var jump = byId('jump-' + j);
      jump.className = 'jump' + (has ? ' scored' : '') + (j === current ? ' current' : '');
      var cell = rows[j].querySelector('.got');
      cell.textContent = has ? fmt(scores[steps[j].id]) : '未评';
      rows[j].className = has ? '' : 'missing';
    }
    byId('jump-vetoes').className = 'jump wide' + (current === n ? ' current' : '');
    byId('jump-finish').className = 'jump wide' + (current === n + 1 ? ' current' : '');
    byId('summary-total').textContent = fmt(total());
    saveDraft();
  }

  function go(index) {
    if (index < 0 || index > n + 1) return;
    current = index;
    for (var j = 0; j < pages.length; j++) pages[j].hidden = j !== index;
    if (index === n + 1) byId('missing').hidden = true;
    refresh();
    var covered = C.layout();
    var page = pages[index];
    page.setAttribute('tabindex', '-1');
    var top = byId('grading').getBoundingClientRect().top + (window.pageYOffset || document.documentElement.scrollTop);
    window.scrollTo(0, Math.max(0, top - covered - 8));
    if (page.focus) {
      try { page.focus({ preventScroll: true }); } catch (e) { page.focus(); }
    }
  }

  /* A step's points from what is typed, or null (with the reason shown) if not allowed. */
  function setFromInput(step) {
    var raw = step.input.value.replace(/^\s+|\s+$/g, '');
    step.error.hidden = true;
    if (raw === '') {
      delete scores[step.id];
      if (step.input.validity && step.input.validity.badInput) {
        step.error.textContent = '请输入数字：0 到 ' + fmt(step.max) + ' 分';
        step.error.hidden = false;
      }
      refresh();
      return;
    }
    var v = parseFloat(raw.replace('，', '.').replace(',', '.'));
    if (isNaN(v) || v < 0 || v > step.max || (v * 2) % 1 !== 0) {
      delete scores[step.id];
      step.error.textContent = '得分应在 0 到 ' + fmt(step.max) + ' 分之间（可用半分，如 2.5），现在是「' + raw + '」';
      step.error.hidden = false;
    } else {
      scores[step.id] = v;
    }
    refresh();
  }

  function setScore(step, v) {
    v = Math.max(0, Math.min(step.max, Math.round(v * 2) / 2));
    scores[step.id] = v;
    step.input.value = fmt(v);
    step.error.hidden = true;
    refresh();
  }

  function wireStep(index) {
    var step = steps[index];
    var page = step.page;
    var has = function () { return scores.hasOwnProperty(step.id); };
    page.querySelector('.minus').onclick = function () { setScore(step, has() ? scores[step.id] - 1 : step.max - 1); };
    page.querySelector('.plus').onclick = function () { setScore(step, has() ? scores[step.id] + 1 : step.max); };
    page.querySelector('.full').onclick = function () { setScore(step, step.max); };
    page.querySelector('.zero').onclick = function () { setScore(step, 0); };
    step.input.oninput = function () { setFromInput(step); };
    step.input.onchange = function () { setFromInput(step); };
    step.input.onkeydown = function (event) {
      if (event.key === 'Enter' || event.keyCode === 13) {
        event.preventDefault();
        setFromInput(step);
        go(index + 1);
      }
    };
  }

  function wirePageButtons(index) {
    var prev = pages[index].querySelector('.prev');
    var next = pages[index].querySelector('.next');
    if (prev) prev.onclick = function () { go(index - 1); };
    if (next) next.onclick = function () { go(index + 1); };
  }

  /* Vetoes: marking asks for confirmation and a reason in a dialog. */
  function vetoItem(id) {
    return root.querySelector('li.veto[data-veto="' + id + '"]');
  }

  function showVeto(id) {
    var li = vetoItem(id);
    if (!li) return;
    var marked = vetoes.hasOwnProperty(id);
    li.className = 'veto' + (marked ? ' marked' : '');
    var reason = li.querySelector('.veto-reason');
    reason.textContent = marked ? '已标记否决。理由：' + vetoes[id] : '';
    reason.hidden = !marked;
    li.querySelector('.mark').hidden = marked;
    li.querySelector('.unmark').hidden = !marked;
  }

  function openDialog(id, opener) {
    dialogVeto = id;
    dialogReturn = opener;
    var li = vetoItem(id);
    byId('veto-dialog-text').textContent = id + '：' + li.querySelector('.veto-text').textContent;
    byId('veto-reason').value = '';
    byId('veto-error').hidden = true;
    byId('veto-dialog').hidden = false;
    byId('veto-reason').focus();
  }

  function closeDialog() {
    byId('veto-dialog').hidden = true;
    var back = dialogReturn;
    dialogVeto = null;
    dialogReturn = null;
    if (back && !back.hidden) back.focus();
    else if (back) {
      var li = back.parentNode;
      var other = li && li.querySelector('.unmark');
      if (other) other.focus();
    }
  }

  function confirmVeto() {
    var reason = byId('veto-reason').value.replace(/^\s+|\s+$/g, '');
    if (!reason) {
      byId('veto-error').textContent = '请写明理由：考生做了什么（或没做什么）';
      byId('veto-error').hidden = false;
      byId('veto-reason').focus();
      return;
    }
    vetoes[dialogVeto] = reason;
    if (vetoOrder.indexOf(dialogVeto) < 0) vetoOrder.push(dialogVeto);
    showVeto(dialogVeto);
    closeDialog();
    refresh();
  }

  function wireVetoes() {
    var items = root.querySelectorAll('li.veto');
    for (var j = 0; j < items.length; j++) {
      (function (li) {
        var id = li.getAttribute('data-veto');
        var mark = li.querySelector('.mark');
        mark.onclick = function () { openDialog(id, mark); };
        li.querySelector('.unmark').onclick = function () {
          delete vetoes[id];
          vetoOrder.splice(vetoOrder.indexOf(id), 1);
          showVeto(id);
          mark.focus();
          refresh();
        };
      })(items[j]);
    }
    byId('veto-cancel').onclick = closeDialog;
    byId('veto-confirm').onclick = confirmVeto;
    byId('veto-dialog').onkeydown = function (event) {
      if (event.key === 'Escape' || event.keyCode === 27) closeDialog();
    };
  }

  /* Submitting: every step scored, then into the outbox, then read-only. */
  function submit() {
    var missing = [];
    for (var j = 0; j < n; j++) if (!scores.hasOwnProperty(steps[j].id)) missing.push(steps[j].id);
    if (missing.length) {
      byId('missing').textContent = '还有 ' + missing.length + ' 步没有评分：' + missing.join('、') + '。点上面的步骤编号补上后再提交。';
      byId('missing').hidden = false;
      return;
    }
    var reason = byId('correction-reason').value.replace(/^\s+|\s+$/g, '');
    if (correcting && !reason) {
      byId('correction-error').textContent = '这是对已提交评分的更正：请写明更正理由后再提交。';
      byId('correction-error').hidden = false;
      byId('correction-reason').focus();
      return;
    }
    var stepScores = {};
    for (j = 0; j < n; j++) stepScores[steps[j].id] = scores[steps[j].id];
    var marked = [];
    for (j = 0; j < vetoOrder.length; j++) marked.push({ id: vetoOrder[j], reason: vetoes[vetoOrder[j]] });
    var body = {
      client_id: C.clientId(),
      exam_no: examNo,
      task: task,
      steps: stepScores,
      vetoes: marked,
      comment: byId('comment').value.replace(/^\s+|\s+$/g, '')
    };
    if (rating()) body.rating = rating();
    if (correcting) body.correction_reason = reason;
    submitted = body.client_id;
    C.enqueue({ id: body.client_id, body: body, saved_at: new Date().toISOString() });
    dropDraft();
    showSubmitted(body, C.pendingFor(examNo, task) ? 'pending' : 'saved', '');
  }

  function showSubmitted(body, state, why) {
    if (byId('confirm')) byId('confirm').hidden = true;
    if (byId('stored')) byId('stored').hidden = true;
    byId('grading').hidden = true;
    var note = byId('submitted-correction');
    note.textContent = body.correction_reason ? '这是对已提交评分的更正，更正理由：' + body.correction_reason : '';
    note.hidden = !body.correction_reason;
    var section = byId('submitted');
    section.hidden = false;
    var t = 0, j;
    var tbody = byId('submitted-steps');
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    var rows = byId('summary').querySelectorAll('tbody tr');
    for (j = 0; j < n; j++) {
      var v = body.steps[steps[j].id];
      t += v;
      var tr = document.createElement('tr');
      var cells = [steps[j].id, rows[j].children[1].textContent, rows[j].children[2].textContent, fmt(v)];
      for (var k = 0; k < cells.length; k++) {
        var td = document.createElement('td');
        td.textContent = cells[k];
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
    byId('submitted-total').textContent = fmt(t);
    var ul = byId('submitted-vetoes');
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    for (j = 0; j < body.vetoes.length; j++) {
      var li = document.createElement('li');
      var item = vetoItem(body.vetoes[j].id);
      var label = item ? item.querySelector('.veto-text').textContent : '';
      li.textContent = body.vetoes[j].id + ' ' + label + '　理由：' + body.vetoes[j].reason;
      ul.appendChild(li);
    }
    if (!body.vetoes.length) {
      var none = document.createElement('li');
      none.textContent = '无';
      ul.appendChild(none);
    }
    byId('submitted-comment').textContent = body.comment || '无';
    byId('submitted-rating').textContent = body.rating || '未选';
    showState(state, why);
    section.setAttribute('tabindex', '-1');
    if (section.focus) section.focus();
  }

  function showState(state, why) {
    var p = byId('submitted-state');
    if (state === 'saved') {
      p.textContent = '已保存到服务器。';
      p.className = 'state ok';
    } else if (state === 'refused') {
      p.textContent = '服务器没有接受这条评分：' + why + '（见页面上方，可重试或删除后重评）';
      p.className = 'state pending';
    } else {
      p.textContent = '已存入本机，正在发送到服务器；网络断开时会自动重发，请不要清除浏览器数据。';
      p.className = 'state pending';
    }
  }

  C.onSync(function (id, what, answer) {
    if (id !== submitted) return;
    showState(what, answer && answer.error);
  });

  function restoreDraft() {
    var draft = null;
    try { draft = JSON.parse(window.localStorage.getItem(draftKey) || 'null'); } catch (e) { draft = null; }
    if (!draft) return false;
    for (var j = 0; j < n; j++) {
      if (draft.scores && draft.scores.hasOwnProperty(steps[j].id)) {
        scores[steps[j].id] = draft.scores[steps[j].id];
        steps[j].input.value = fmt(scores[steps[j].id]);
      }
    }
    vetoOrder = draft.order || [];
    vetoes = draft.vetoes || {};
    for (j = 0; j < vetoOrder.length; j++) showVeto(vetoOrder[j]);
    byId('comment').value = draft.comment || '';
    byId('correction-reason').value = draft.reason || '';
    var radios = root.querySelectorAll('input[name=rating]');
    for (j = 0; j < radios.length; j++) radios[j].checked = radios[j].value === draft.rating;
    return true;
  }

  /* The stored entry into the sheet, to correct it. */
  function fillStored() {
    var j;
    for (j = 0; j < n; j++) {
      var v = steps[j].page.getAttribute('data-stored');
      if (v !== null && v !== '') {
        scores[steps[j].id] = parseFloat(v);
        steps[j].input.value = fmt(scores[steps[j].id]);
      }
    }
    var items = root.querySelectorAll('li.veto[data-stored-reason]');
    for (j = 0; j < items.length; j++) {
      var id = items[j].getAttribute('data-veto');
      vetoes[id] = items[j].getAttribute('data-stored-reason') || '（原评分未写理由）';
      vetoOrder.push(id);
      showVeto(id);
    }
    byId('comment').value = root.getAttribute('data-stored-comment') || '';
    var radios = root.querySelectorAll('input[name=rating]');
    for (j = 0; j < radios.length; j++) radios[j].checked = radios[j].value === root.getAttribute('data-stored-rating');
  }

  var waiting = C.pendingFor(examNo, task);
  if (waiting) {
    submitted = waiting.id;
    showSubmitted(waiting.body, waiting.error ? 'refused' : 'pending', waiting.error);
    return;
  }
  for (i = 0; i < n; i++) {
    wireStep(i);
  }
  for (i = 0; i < pages.length; i++) wirePageButtons(i);
  var jumps = root.querySelectorAll('[data-go]');
  for (i = 0; i < jumps.length; i++) {
    (function (button) {
      button.onclick = function () { go(parseInt(button.getAttribute('data-go'), 10)); };
    })(jumps[i]);
  }
  wireVetoes();
  byId('comment').oninput = saveDraft;
  var ratings = root.querySelectorAll('input[name=rating]');
  for (i = 0; i < ratings.length; i++) ratings[i].onchange = saveDraft;
  byId('submit').onclick = submit;
  byId('correction-reason').oninput = function () {
    byId('correction-error').hidden = true;
    saveDraft();
  };
  if (stored) {
    byId('correct').onclick = function () {
      correcting = true;
      if (!restoreDraft()) fillStored();
      byId('stored').hidden = true;
      byId('correction').hidden = false;
      byId('grading').hidden = false;
      C.layout();
      go(0);
    };
    return;
  }
  var resumed = restoreDraft();
  byId('confirm-yes').onclick = function () {
    byId('confirm').hidden = true;
    byId('grading').hidden = false;
    C.layout();
    go(resumed ? Math.min(scoredCount(), n + 1) : 0);
  };
})();
