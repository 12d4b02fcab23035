// stamprally — progressive enhancement; pages work without this file except
// the GPS stamp, which needs the browser's position.
(function () {
  // Disable a form's submit button once pressed, so a double tap sends one request.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.hasAttribute('data-gps') && !form.elements.lat.value) {
      e.preventDefault();
      var status = form.querySelector('[data-gps-status]');
      // Say it in the page's language (the browser's own err.message is English).
      var say = function (what) { if (status) status.textContent = status.getAttribute('data-' + what) || ''; };
      if (!navigator.geolocation) { say('none'); return; }
      say('waiting');
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude;
        form.elements.lng.value = pos.coords.longitude;
        form.elements.accuracy.value = pos.coords.accuracy;
        form.submit();
      }, function (err) {
        say(err.code === 1 ? 'denied' : err.code === 3 ? 'timeout' : 'unavailable');
        var help = document.querySelector('[data-gps-help]');
        if (help && err.code === 1) help.open = true;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
      return;
    }
    var b = form.querySelector('button[type=submit]');
    if (b) { setTimeout(function () { b.disabled = true; }, 0); }
  });
  // QR + GPS spots: the claim form on the QR page sends the position too.
  var qr = document.querySelector('form[data-gps-qr]');
  if (qr && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      qr.elements.lat.value = pos.coords.latitude;
      qr.elements.lng.value = pos.coords.longitude;
      qr.elements.accuracy.value = pos.coords.accuracy;
    }, function () {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  }
})();
// Coupons: a running clock (Japan time) so a screenshot is visibly stale.
(function () {
  var el = document.querySelector('[data-clock]');
  if (!el) return;
  function tick() {
    var d = new Date(Date.now() + 9 * 3600e3);
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    el.textContent = d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()) + ' ' +
      p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + ':' + p(d.getUTCSeconds()) + ' JST';
  }
  tick();
  setInterval(tick, 1000);
})();
// Desk: scan a coupon's QR code with the camera where the browser has
// BarcodeDetector; otherwise the button stays hidden and the code is typed
// (or the phone's own camera app opens the lookup URL the code holds).
(function () {
  var button = document.querySelector('[data-scan]');
  if (!button || !('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  var form = button.form, video = form.querySelector('[data-scan-video]'), status = form.querySelector('[data-scan-status]');
  // Desktop Chromium has the API without a QR reader behind it: ask.
  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf('qr_code') >= 0) button.hidden = false;
  }, function () {});
  // The coupon code in what was scanned: the lookup URL's ?code=, or the code itself.
  function codeOf(text) {
    try { var c = new URL(text).searchParams.get('code'); if (c) return c; } catch (e) { /* not a URL */ }
    return /^[0-9A-Za-z -]{8,12}$/.test(text) ? text : null;
  }
  button.addEventListener('click', function () {
    var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      var look = function () {
        detector.detect(video).then(function (found) {
          var code = null;
          for (var i = 0; i < found.length && !code; i++) code = codeOf(found[i].rawValue);
          if (!code) { setTimeout(look, 250); return; }
          stop();
          form.elements.code.value = code;
          form.submit();
        }, function () { setTimeout(look, 500); });
      };
      look();
    }, function () {
      if (status) status.textContent = status.getAttribute('data-denied') || '';
    });
  });
})();
