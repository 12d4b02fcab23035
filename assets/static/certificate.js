// stamprally — the completion certificate as an image: drawn on a canvas
// from the page's own text (the name is never sent again), then saved as a
// PNG or handed to the phone's share sheet (Web Share API with files) where
// the browser has one. Without JavaScript the page prints as it is.
(function () {
  var cert = document.querySelector('[data-certificate]');
  var save = document.querySelector('[data-cert-save]'), share = document.querySelector('[data-cert-share]');
  if (!cert || !save || !HTMLCanvasElement.prototype.toBlob) return;
  var W = 1240, H = 1754, GOLD = '#b8860b';

  // Lines of text no wider than max: CJK breaks anywhere but never before
  // a closing mark or a long vowel (kinsoku), Latin words stay whole where they fit.
  var NO_START = /[、。，．・ー―〜）」』】〕！？!?,.)\]ぁぃぅぇぉっゃゅょァィゥェォッャュョ]/;
  function lines(ctx, text, max) {
    var out = [], line = '';
    for (var i = 0; i < text.length; i++) {
      var next = line + text[i];
      if (ctx.measureText(next).width <= max || !line) { line = next; continue; }
      var cut = /[A-Za-z0-9]/.test(text[i]) ? line.lastIndexOf(' ') : -1;
      if (cut > 0) { out.push(line.slice(0, cut)); line = line.slice(cut + 1) + text[i]; continue; }
      if (NO_START.test(text[i]) && line.length > 1) { out.push(line.slice(0, -1)); line = line.slice(-1) + text[i]; continue; }
      out.push(line); line = text[i];
    }
    if (line) out.push(line);
    return out;
  }
  function text(ctx, s, y, size, weight, colour, lineHeight) {
    ctx.font = weight + ' ' + size + 'px ' + getComputedStyle(cert).fontFamily;
    ctx.fillStyle = colour;
    var ls = lines(ctx, s.trim(), W - 280);
    ls.forEach(function (l, k) { ctx.fillText(l, W / 2, y + k * size * lineHeight); });
    return y + ls.length * size * lineHeight;
  }
  function draw() {
    var c = document.createElement('canvas');
    c.width = W; c.height = H;
    var ctx = c.getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
    ctx.strokeStyle = GOLD;
    ctx.lineWidth = 14; ctx.strokeRect(40, 40, W - 80, H - 80);
    ctx.lineWidth = 5; ctx.strokeRect(72, 72, W - 144, H - 144);
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    var q = function (sel) { return cert.querySelector(sel).textContent; };
    var y = text(ctx, q('.rally'), 250, 48, '700', '#c62828', 1.4);
    y = text(ctx, q('h1'), y + 60, 120, '700', '#111', 1.2);
    y = text(ctx, q('.name'), y + 120, 88, '700', '#111', 1.3);
    ctx.fillStyle = '#999'; ctx.fillRect(200, y + 10, W - 400, 2);
    y = text(ctx, q('.how:not(.en)'), y + 110, 46, '400', '#111', 1.6);
    text(ctx, q('.how.en'), y + 60, 40, '400', '#333', 1.4);
    return c;
  }
  // Drawn once the fonts are in, so a tap shares at once (Safari wants the
  // share call close to the tap).
  var made = null;
  function png(then) {
    if (made) { then(made); return; }
    draw().toBlob(function (blob) { made = new File([blob], 'certificate.png', { type: 'image/png' }); then(made); }, 'image/png');
  }
  (document.fonts ? document.fonts.ready : Promise.resolve()).then(function () { png(function () {}); });
  save.hidden = false;
  save.addEventListener('click', function () {
    png(function (file) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(file);
      a.download = file.name;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
  });
  var probe = new File([''], 'certificate.png', { type: 'image/png' });
  if (share && navigator.share && navigator.canShare && navigator.canShare({ files: [probe] })) {
    share.hidden = false;
    share.addEventListener('click', function () {
      png(function (file) {
        navigator.share({ files: [file], title: document.title }).catch(function () { /* closed by the user */ });
      });
    });
  }
})();
