// Starts Swagger UI on the API docs page. A file rather than an inline script, so the page keeps
// the Content-Security-Policy `script-src 'self'` that every response carries.
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: element.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
    layout: "BaseLayout"
  });
})();
