// Issue 17: the API documentation page: Swagger UI (vendored) over our own openapi.json; no inline script (CSP).
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  if (!box || typeof window.SwaggerUIBundle !== "function") { return; }
  window.SwaggerUIBundle({
    url: box.dataset.specUrl,
    domNode: box,
    deepLinking: true,
    validatorUrl: null,  // never call the public validator
    supportedSubmitMethods: ["get"],
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
