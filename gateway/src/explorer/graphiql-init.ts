/**
 * The browser script that mounts GraphiQL (served as /graphiql/init.js: an external file, so the
 * page's CSP allows no inline script). Plain ES2020, no imports: React, ReactDOM and GraphiQL are
 * the UMD globals loaded before it. The endpoint is resolved against the page, so a gateway
 * behind a path prefix works too.
 */
export const GRAPHIQL_INIT_SCRIPT = `"use strict";
(function () {
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var fetcher = GraphiQL.createFetcher({ url: new URL(config.endpoint, window.location.href).toString() });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: config.defaultQuery,
    variables: config.defaultVariables,
    defaultHeaders: config.defaultHeaders,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false
  }));
})();
`;
