// Starts the WebAssembly app and registers the service worker that keeps
// the app shell available offline. (External file: the CSP allows no inline script.)
//
// When a new build's worker has installed while this page runs on the old
// one, the app is told with a `labblogg-update` event; `labbloggApplyUpdate()`
// lets the new worker take over and reloads once it has.
import init from '/labblogg.js';

function announce(worker) {
  window.labbloggApplyUpdate = () => {
    navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), { once: true });
    worker.postMessage('skip-waiting');
  };
  window.labbloggUpdateWaiting = true;
  window.dispatchEvent(new Event('labblogg-update'));
}

// The app first; then the service worker, whose install downloads every file of the build again
// (bypassing the HTTP cache) and so would compete with the app's own first download.
// Signed out, the static shell's sign-in look paints first, with the network to itself: the
// wasm is fetched only after a frame has been drawn. Signed in, shell.js has already asked for
// the wasm, since the screen cannot show before it.
if (!document.documentElement.classList.contains('boot-signed-in')) {
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
try {
  await init();
} finally {
  registerWorker();
}

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').then((reg) => {
    if (reg.waiting && navigator.serviceWorker.controller) announce(reg.waiting);
    reg.addEventListener('updatefound', () => {
      const fresh = reg.installing;
      if (!fresh) return;
      fresh.addEventListener('statechange', () => {
        // Only an update, not the very first install, needs a reload.
        if (fresh.state === 'installed' && navigator.serviceWorker.controller) announce(fresh);
      });
    });
  }).catch((e) => console.warn('service worker:', e));
}
