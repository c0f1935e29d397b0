// One Content-Security-Policy for the renderer, wherever it is served: the Electron main
// process sends it as a header, the built index.html carries it as a meta tag, and the
// browser-mode HTTP server sends it too. No remote content, no inline script, no eval.
const DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  // React sets style attributes (plot sizes, gauges); no inline <style> from plugins ever
  // reaches the DOM because uiCell output is a declarative tree, not HTML.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
];

/** As an HTTP header (Electron's session, browser-mode server). */
export const CONTENT_SECURITY_POLICY = [...DIRECTIVES, "frame-ancestors 'none'"].join('; ');

/** As a <meta> tag: browsers ignore (and warn about) frame-ancestors there. */
export const CONTENT_SECURITY_POLICY_META = DIRECTIVES.join('; ');
