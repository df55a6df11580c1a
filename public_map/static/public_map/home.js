// Front page map: governorates and municipalities from the platform's own API, no basemap
// from other hosts. Names follow the page language; attribution comes with the data.
(function () {
  "use strict";

  const lang = document.documentElement.lang === "ar" ? "ar" : "en";

  function name(properties) {
    return (lang === "ar" && properties.name_ar) || properties.name_en;
  }

  // Leaflet parses a string tooltip as HTML: names go in as text.
  function text(value) {
    const node = document.createElement("span");
    node.textContent = value;
    return node;
  }

  function attributionHtml(items) {
    return (items || [])
      .map(function (a) {
        const link = document.createElement("a");
        link.href = a.url;
        link.textContent = a.text + " (" + a.licence + ")";
        link.rel = "noopener";
        return link.outerHTML;
      })
      .join(" · ");
  }

  async function fetchCollection(url) {
    const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
    if (!response.ok) {
      throw new Error(url + " answered " + response.status);
    }
    return response.json();
  }

  window.homeMapInit = async function (map) {
    const container = document.getElementById("home-map-container");
    const current = container.dataset.currentMunicipality;
    map.attributionControl.setPrefix("Leaflet");
    try {
      const [governorates, municipalities] = await Promise.all([
        fetchCollection(container.dataset.governoratesUrl),
        fetchCollection(container.dataset.municipalitiesUrl),
      ]);
      const governorateLayer = L.geoJSON(governorates, {
        style: { color: "#5b6b7a", weight: 1, fillColor: "#dfe6ec", fillOpacity: 0.5 },
        attribution: attributionHtml(governorates.attribution),
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(text(name(feature.properties)), { sticky: true });
        },
      }).addTo(map);
      const municipalityLayer = L.geoJSON(municipalities, {
        style: function (feature) {
          const isCurrent = feature.properties.slug === current;
          return {
            color: isCurrent ? "#b3261e" : "#7a4a12",
            weight: isCurrent ? 3 : 2,
            fillColor: isCurrent ? "#f4c7c3" : "#f1dfc4",
            fillOpacity: 0.45,
            className: "municipality municipality-" + feature.properties.slug,
          };
        },
        attribution: attributionHtml(municipalities.attribution),
      }).addTo(map);
      // Names go on the label point the API computes (inside the area, unlike a centroid).
      municipalities.features.forEach(function (feature) {
        const point = feature.properties.label_point;
        L.tooltip({ permanent: true, direction: "center", className: "municipality-label" })
          .setLatLng([point[1], point[0]])
          .setContent(text(name(feature.properties)))
          .addTo(map);
      });
      const focus = municipalityLayer.getLayers().filter(function (layer) {
        return layer.feature.properties.slug === current;
      });
      const bounds = focus.length ? L.featureGroup(focus).getBounds() : governorateLayer.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds.pad(0.3), { animate: false });
      }
      container.dataset.ready = "true";
    } catch (error) {
      container.dataset.ready = "error";
      const note = document.createElement("p");
      note.className = "notice";
      note.setAttribute("role", "alert");
      note.textContent = String(error);
      container.after(note);
    }
  };
})();
