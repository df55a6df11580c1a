// Draws the features of an OGC API HTML page on a map (no basemap from other hosts).
(function () {
  "use strict";
  window.itemsMapInit = function (map) {
    const data = JSON.parse(document.getElementById("ogc-features").textContent);
    const features = Array.isArray(data) ? data : [data];
    const layer = L.geoJSON(
      { type: "FeatureCollection", features: features.filter((f) => f.geometry) },
      {
        style: { color: "#b3261e", weight: 2, fillOpacity: 0.3 },
        pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 5 }),
      }
    ).addTo(map);
    if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds().pad(0.2), { animate: false, maxZoom: 18 });
    }
  };
})();
