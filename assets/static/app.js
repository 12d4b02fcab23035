// stamprally — progressive enhancement only; every page works without this file.
// Disable a form's submit button once pressed, so a double tap sends one request.
document.addEventListener('submit', function (e) {
  var b = e.target.querySelector('button[type=submit]');
  if (b) { setTimeout(function () { b.disabled = true; }, 0); }
});
