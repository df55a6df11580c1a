// The platform's own basemap for Leaflet: vector tiles from /basemap/ drawn by
// protomaps-leaflet on canvas, whose text shaping joins Arabic letters and sets them right to
// left. Shared by the public map and the delivery pages.
(function () {
  "use strict";

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(function ([name, value]) {
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      // Through the CSSOM: the Content-Security-Policy refuses style attributes set as markup.
      else if (name === "style") node.style.cssText = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    children.flat(Infinity).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  const P = window.protomapsL;
  const font = function (size, weight) {
    return (weight || "400") + " " + size + "px 'Noto Sans Arabic', 'Noto Sans', sans-serif";
  };

  // ``arabicDigits``: a function answering whether house numbers are shown in ٠-٩.
  function basemapRules(lang, arabicDigits) {
    const nameProp = lang === "ar" ? "name_ar" : "name_en";
    const streetWidth = (z, f) => {
      const base = f && f.props.kind === "road" ? 1.4 : 1;
      return base * (z >= 17 ? 12 : z >= 16 ? 8 : z >= 15 ? 5.5 : z >= 14 ? 3.5 : 2);
    };
    const paintRules = [
      { dataLayer: "land", symbolizer: new P.PolygonSymbolizer({ fill: "#f7f3ea" }) },
      { dataLayer: "blocks", symbolizer: new P.PolygonSymbolizer({ fill: "#ebe4d6" }) },
      {
        dataLayer: "buildings",
        symbolizer: new P.PolygonSymbolizer({ fill: "#d8cdbd", stroke: "#b9aa94", width: 0.6 }),
      },
      {
        dataLayer: "streets",
        symbolizer: new P.LineSymbolizer({
          color: "#c3b9a8",
          width: (z, f) => streetWidth(z, f) + 1.5,
          lineCap: "round",
        }),
      },
      {
        dataLayer: "streets",
        symbolizer: new P.LineSymbolizer({
          color: (z, f) => (f && f.props.kind === "road" ? "#fde7b0" : "#ffffff"),
          width: streetWidth,
          lineCap: "round",
        }),
      },
      {
        dataLayer: "boundaries",
        filter: (z, f) => f.props.kind === "locality",
        symbolizer: new P.LineSymbolizer({ color: "#9c7a52", width: 1, dash: [3, 3] }),
      },
      {
        dataLayer: "boundaries",
        filter: (z, f) => f.props.kind === "governorate",
        symbolizer: new P.LineSymbolizer({ color: "#6f7782", width: 1.6, dash: [6, 3] }),
      },
      {
        dataLayer: "boundaries",
        filter: (z, f) => f.props.kind === "municipality",
        symbolizer: new P.LineSymbolizer({ color: "#b3261e", width: 2, opacity: 0.8 }),
      },
      {
        dataLayer: "places",
        minzoom: 15,
        symbolizer: new P.CircleSymbolizer({ radius: 3.5, fill: "#7b4bb0", stroke: "#fff", width: 1 }),
      },
    ];
    const labelRules = [
      {
        dataLayer: "labels",
        filter: (z, f) => f.props.kind !== "area",
        symbolizer: new P.CenteredTextSymbolizer({
          labelProps: [nameProp, "name_en"],
          fill: "#3b2f2f",
          stroke: "#ffffff",
          width: 3,
          font: font(15, "700"),
        }),
      },
      {
        dataLayer: "labels",
        filter: (z, f) => f.props.kind === "area",
        symbolizer: new P.CenteredTextSymbolizer({
          labelProps: [nameProp, "name_en"],
          fill: "#5a4a3a",
          stroke: "#ffffff",
          width: 3,
          font: font(13, "700"),
        }),
      },
      {
        dataLayer: "streets",
        minzoom: 14,
        symbolizer: new P.LineLabelSymbolizer({
          labelProps: [nameProp, "name_en"],
          fill: "#2b2b2b",
          stroke: "#ffffff",
          width: 3,
          font: font(13),
        }),
      },
      {
        dataLayer: "places",
        minzoom: 16,
        symbolizer: new P.OffsetTextSymbolizer({
          labelProps: [nameProp, "name_en"],
          fill: "#5b2a86",
          stroke: "#ffffff",
          width: 2.5,
          font: font(12),
          offsetY: 6,
        }),
      },
      {
        dataLayer: "entrances",
        minzoom: 17,
        symbolizer: new P.CenteredTextSymbolizer({
          labelProps: () => (arabicDigits() && lang === "ar" ? ["number_ar"] : ["number"]),
          fill: "#6b4e2e",
          stroke: "#ffffff",
          width: 2,
          font: font(11),
        }),
      },
    ];
    return { paintRules: paintRules, labelRules: labelRules };
  }

  function attributionHtml(items) {
    return (items || [])
      .filter((a) => a && a.text)
      .map(function (a) {
        const label = a.text + (a.licence ? " (" + a.licence + ")" : "");
        if (!a.url && !a.href) return el("span", { text: label }).outerHTML;
        return el("a", { href: a.url || a.href, rel: "noopener", text: label }).outerHTML;
      })
      .join(" · ");
  }


  function layer(basemapConfig, options) {
    const rules = basemapRules(options.lang, options.arabicDigits);
    const created = P.leafletLayer({
      url: basemapConfig.url,
      maxDataZoom: basemapConfig.maxDataZoom,
      paintRules: rules.paintRules,
      labelRules: rules.labelRules,
      backgroundColor: "#e9ecef",
      attribution: attributionHtml(basemapConfig.attribution),
      maxZoom: 20,
    });
    // Labels are drawn on canvas: draw them again once the served web font has arrived.
    if (document.fonts && document.fonts.load) {
      Promise.all([document.fonts.load(font(13), "رام الله"), document.fonts.load(font(13), "Ramallah")])
        .then(() => created.rerenderTiles())
        .catch(() => null);
    }
    return created;
  }

  window.GisBasemap = { el: el, attributionHtml: attributionHtml, layer: layer };
})();
