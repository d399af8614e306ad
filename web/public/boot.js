// Runs before the app's bundle is fetched and parsed: when the page opened is the overview (the
// landing page), its data is asked for now, and the app takes this answer for its first load
// (web/src/api.ts), instead of asking only once its whole bundle has run.
(function () {
  var page = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  if (page !== '' && page !== 'overview') return;
  var path = 'overview?range=24h';
  window.__airlockEarly = {
    path: path,
    response: fetch('/_airlock/api/' + path, { credentials: 'same-origin' }),
  };
  // A failure is the app's to report when it takes the answer; not an unhandled rejection here.
  window.__airlockEarly.response.catch(function () {});
})();
