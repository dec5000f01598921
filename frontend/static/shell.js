// Runs before the first paint (a small classic script; the CSP allows no inline script): tells
// the static shell in index.html whether someone is signed in on this device, so it shows the
// sign-in form's look or the screen's skeleton until the WebAssembly app replaces it.
try {
  if (localStorage.getItem('labblogg.session')) {
    document.documentElement.classList.add('boot-signed-in');
    // Signed in, the screen itself is what counts: fetch the wasm at once (boot.js does not
    // wait for a first paint then). Signed out, the shell's sign-in look paints first.
    var wasm = document.createElement('link');
    wasm.rel = 'preload';
    wasm.as = 'fetch';
    wasm.type = 'application/wasm';
    wasm.crossOrigin = 'anonymous';
    wasm.href = '/labblogg_bg.wasm';
    document.head.appendChild(wasm);
  }
  var device = JSON.parse(localStorage.getItem('labblogg.device') || 'null');
  if (device && device.name) document.documentElement.classList.add('boot-named');
} catch (e) {
  // No storage: the sign-in look is right.
}
