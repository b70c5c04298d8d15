/* The staff login form: name, role and the one-time code, sent to POST /api/login; on
   success the examiner goes to the stations, the chief to the board, the invigilator to
   the exam room's console. Plain ES5. */
(function () {
  'use strict';
  var form = document.getElementById('login');
  if (!form) return;
  var error = document.getElementById('login-error');
  var submit = document.getElementById('login-submit');

  function show(message) {
    error.textContent = message;
    error.hidden = false;
  }

  function role() {
    var radios = form.querySelectorAll('input[name=role]');
    for (var i = 0; i < radios.length; i++) if (radios[i].checked) return radios[i].value;
    return 'examiner';
  }

  var HOMES = { examiner: '/examiner', chief: '/chief', invigilator: '/invigilator' };

  form.onsubmit = function (event) {
    event.preventDefault();
    var name = document.getElementById('name').value.replace(/^\s+|\s+$/g, '');
    var code = document.getElementById('code').value.replace(/^\s+|\s+$/g, '');
    if (!name || !code) {
      show('请填写姓名和登录码');
      return false;
    }
    error.hidden = true;
    submit.disabled = true;
    submit.textContent = '正在登录……';
    var chosen = role();
    window.Certify.api('POST', '/api/login', { role: chosen, name: name, code: code }, 15000).then(function (answer) {
      if (answer.status === 200) {
        window.location.href = HOMES[chosen] || '/examiner';
        return;
      }
      submit.disabled = false;
      submit.textContent = '登录';
      show(window.Certify.errorText(answer, '登录没有成功（' + answer.status + '）'));
    }, function () {
      submit.disabled = false;
      submit.textContent = '登录';
      show('连不上考场服务。请确认平板连的是考场的 Wi-Fi，再试一次。');
    });
    return false;
  };
})();
