// stamprally — the desk's rotating QR code: when the code's period ends,
// fetch the page again and swap in the new code without reloading (no
// meta refresh: the page does not jump, and a failed fetch retries). The
// page's <noscript> refresh covers browsers without JavaScript.
(function () {
  var section = document.querySelector('[data-rotate-in]');
  if (!section || !window.fetch || !window.DOMParser) return;
  function schedule(seconds) { setTimeout(next, Math.max(1, seconds) * 1000); }
  function next() {
    fetch(location.href, { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      if (!res.ok) throw new Error(String(res.status));
      return res.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('[data-rotate-in]');
      if (!fresh) throw new Error('no code');
      section.innerHTML = fresh.innerHTML;
      schedule(Number(fresh.getAttribute('data-rotate-in')) || 30);
    }).catch(function () { schedule(5); });
  }
  schedule(Number(section.getAttribute('data-rotate-in')) || 30);
})();
