// Starts the WebAssembly app and registers the service worker that keeps
// the app shell available offline. (External file: the CSP allows no inline script.)
import init from '/labblogg.js';

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('service worker:', e));
}
await init();
