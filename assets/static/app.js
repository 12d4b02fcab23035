// stamprally — progressive enhancement; pages work without this file except
// the GPS stamp, which needs the browser's position.
(function () {
  // Disable a form's submit button once pressed, so a double tap sends one request.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.hasAttribute('data-gps') && !form.elements.lat.value) {
      e.preventDefault();
      var status = form.querySelector('[data-gps-status]');
      if (!navigator.geolocation) { if (status) status.textContent = status.getAttribute('data-none') || ''; return; }
      if (status) status.textContent = '…';
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude;
        form.elements.lng.value = pos.coords.longitude;
        form.elements.accuracy.value = pos.coords.accuracy;
        form.submit();
      }, function (err) {
        if (status) status.textContent = err.message;
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
