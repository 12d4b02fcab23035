// stamprally — maps (Leaflet, served from /static): the rally page's map of
// the spots (collected ones filled) and its list sorted by distance from the
// participant; the spot editor's position picker with the GPS radius. The
// list and the latitude/longitude fields work without this file or tiles.
(function () {
  var R = 6371008.8, rad = Math.PI / 180;
  function distance(a, b, c, d) {
    var x = Math.sin((c - a) * rad / 2), y = Math.sin((d - b) * rad / 2);
    return 2 * R * Math.asin(Math.sqrt(x * x + Math.cos(a * rad) * Math.cos(c * rad) * y * y));
  }
  function km(m) { return m < 1000 ? Math.round(m) + ' m' : m < 100000 ? (m / 1000).toFixed(1) + ' km' : Math.round(m / 1000) + ' km'; }
  function escapeHtml(s) { return s.replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function tiles(map, box) {
    L.tileLayer(box.getAttribute('data-tiles'), { maxZoom: 19, attribution: escapeHtml(box.getAttribute('data-attribution') || '') }).addTo(map);
  }
  var primary = getComputedStyle(document.documentElement).getPropertyValue('--primary').trim() || '#c62828';

  // The rally page: sort the list by distance from here.
  var list = document.querySelector('ol.spots');
  var items = list ? [].slice.call(list.querySelectorAll('li[data-lat]')) : [];
  var near = document.querySelector('[data-sort-near]'), status = document.querySelector('[data-near-status]');
  var say = function (what) { if (status) status.textContent = status.getAttribute('data-' + what) || ''; };
  if (near && items.length && navigator.geolocation) {
    near.hidden = false;
    near.addEventListener('click', function () {
      say('waiting');
      navigator.geolocation.getCurrentPosition(function (pos) {
        var here = pos.coords, all = [].slice.call(list.children);
        all.forEach(function (li) {
          li.dist = li.hasAttribute('data-lat')
            ? distance(here.latitude, here.longitude, +li.getAttribute('data-lat'), +li.getAttribute('data-lng')) : Infinity;
          var tag = li.querySelector('.dist');
          if (!tag && li.dist < Infinity) {
            tag = document.createElement('span');
            tag.className = 'tag dist';
            li.querySelector('a').after(' ', tag);
          }
          if (tag) tag.textContent = (status.getAttribute('data-about') || '') + ' ' + km(li.dist);
        });
        all.sort(function (a, b) { return a.dist - b.dist; }).forEach(function (li) { list.appendChild(li); });
        say('sorted');
      }, function (err) {
        say(err.code === 1 ? 'denied' : err.code === 3 ? 'timeout' : 'unavailable');
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
    });
  }

  // The rally page's map.
  var box = document.querySelector('[data-map]');
  if (box && window.L && items.length) {
    box.hidden = false;
    var map = L.map(box.querySelector('.map'), { scrollWheelZoom: false });
    tiles(map, box);
    var bounds = [];
    items.forEach(function (li) {
      var ll = [+li.getAttribute('data-lat'), +li.getAttribute('data-lng')], got = li.classList.contains('got');
      var link = document.createElement('a');
      link.href = li.getAttribute('data-url');
      link.textContent = li.getAttribute('data-name');
      L.circleMarker(ll, { radius: 10, color: primary, weight: 3, fillColor: got ? primary : '#fff', fillOpacity: 1,
        className: got ? 'spot-marker got' : 'spot-marker' }).bindPopup(link).addTo(map);
      bounds.push(ll);
    });
    map.fitBounds(bounds, { padding: [28, 28], maxZoom: 16 });
  }

  // The spot editor: click the map or drag the pin; the circle is the GPS radius.
  var picker = document.querySelector('[data-map-picker]');
  if (picker && window.L) {
    var form = picker.closest('form'), lat = form.elements.latitude, lng = form.elements.longitude, radius = form.elements.radius_m;
    var search = form.querySelector('[data-map-search]');
    picker.hidden = false;
    var pm = L.map(picker.querySelector('.map'));
    tiles(pm, picker);
    var pin = null, circle = null;
    var here = function () { return lat.value !== '' && lng.value !== '' && isFinite(lat.value) && isFinite(lng.value) ? [+lat.value, +lng.value] : null; };
    var draw = function () {
      var ll = here();
      if (!ll) return;
      if (!pin) {
        pin = L.marker(ll, { draggable: true, keyboard: false, icon: L.divIcon({ className: 'pin', iconSize: [22, 22] }) }).addTo(pm);
        pin.on('dragend', function () { put(pin.getLatLng()); });
        circle = L.circle(ll, { radius: +radius.value || 50, color: primary, weight: 2, fillOpacity: 0.12 }).addTo(pm);
      }
      pin.setLatLng(ll);
      circle.setLatLng(ll).setRadius(+radius.value || 50);
    };
    var put = function (ll) {
      lat.value = ll.lat.toFixed(6);
      lng.value = ll.lng.toFixed(6);
      draw();
    };
    pm.on('click', function (e) { put(e.latlng); });
    [lat, lng, radius].forEach(function (el) { el.addEventListener('input', draw); });
    if (search) {
      search.addEventListener('keydown', function (e) { // Enter finds; it does not save the spot
        if (e.key === 'Enter') { e.preventDefault(); search.dispatchEvent(new Event('change')); }
      });
      search.addEventListener('change', function () {
        var m = search.value.match(/^\s*(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)\s*$/);
        search.setCustomValidity(m && Math.abs(+m[1]) <= 90 && Math.abs(+m[2]) <= 180 ? '' : search.getAttribute('data-bad'));
        if (!search.checkValidity()) { search.reportValidity(); return; }
        put(L.latLng(+m[1], +m[2]));
        pm.setView(here(), 17);
      });
    }
    var start = here();
    pm.setView(start || [36.2, 138.25], start ? 17 : 5); // Japan, until a position is set
    draw();
  }
})();
