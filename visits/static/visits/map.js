/* Draws the plan on Leaflet when a tile server is configured; the SVG drawing stays as the fallback. */
(function () {
  "use strict";
  var box = document.getElementById("leaflet-map");
  var data = document.getElementById("plan-geometry");
  if (!box || !data || !window.L) { return; }
  var geo = JSON.parse(data.textContent);
  var map = L.map(box);
  L.tileLayer(box.getAttribute("data-tiles"), { attribution: box.getAttribute("data-attribution") || "", maxZoom: 18 }).addTo(map);
  var colours = ["#b3261e", "#0b57d0", "#1a7f37", "#9a6700", "#6f42c1", "#00838f"];
  var office = [geo.office.lat, geo.office.lng];
  var bounds = [office];
  L.marker(office, { title: geo.office.name }).addTo(map);
  geo.routes.forEach(function (route, n) {
    var line = [office];
    route.stops.forEach(function (s) {
      line.push([s.lat, s.lng]); bounds.push([s.lat, s.lng]);
      L.circleMarker([s.lat, s.lng], { radius: 8, color: colours[n % colours.length] }).bindTooltip(route.cadre + " " + s.label).addTo(map);
    });
    line.push(office);
    L.polyline(line, { color: colours[n % colours.length], weight: 3 }).addTo(map);
  });
  map.fitBounds(bounds, { padding: [20, 20] });
})();
