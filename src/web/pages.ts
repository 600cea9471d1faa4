// The console's page shells: the navigation, a labelled region the page's script fills, and
// its scripts. Nothing here reads data; the scripts do, through the REST API.
export type PageName = 'overview' | 'resources' | 'resource' | 'processes' | 'queues' | 'signin';

const TITLES: Record<PageName, string> = {
  overview: 'Overview',
  resources: 'Resources',
  resource: 'Resource',
  processes: 'Processes',
  queues: 'Queues',
  signin: 'Sign in',
};

const NAV: [string, PageName][] = [
  ['/', 'overview'],
  ['/resources', 'resources'],
  ['/processes', 'processes'],
  ['/queues', 'queues'],
];

export function page(name: PageName, settings: { stuckAfterS: number }): string {
  const nav =
    name === 'signin'
      ? ''
      : `<nav aria-label="Main"><span class="brand">nfvo</span>${NAV.map(
          ([href, p]) =>
            `<a href="${href}"${p === name || (p === 'resources' && name === 'resource') ? ' aria-current="page"' : ''}>${TITLES[p]}</a>`,
        ).join(
          '',
        )}<span class="who" id="who" aria-live="polite"></span><button type="button" id="signout">Sign out</button></nav>`;
  const vendor =
    name === 'overview'
      ? '<link rel="stylesheet" href="/assets/vendor/uPlot.min.css"><script src="/assets/vendor/uPlot.iife.min.js" defer></script>'
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[name]} · nfvo</title>
<link rel="stylesheet" href="/assets/console.css">
${vendor}
<script type="module" src="/assets/${name}.js"></script>
</head>
<body data-page="${name}" data-stuck-after-s="${settings.stuckAfterS}">
${nav}
<main id="main" aria-label="${TITLES[name]}"><h1>${TITLES[name]}</h1><div id="app"></div><p id="status" role="status" aria-live="polite"></p></main>
</body>
</html>`;
}
