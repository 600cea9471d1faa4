// Lint: typescript-eslint's recommended rules, the promise rules that need types, and
// the rooms of the house (see the README's layout): what each folder may import.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'src/db/generated/', 'node_modules/', '.bench/', 'test-output/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  // the rooms: what each part of src/ may import (see the README's layout)
  ...rooms(),
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  // the console's scripts run in the browser, as they are (no build step)
  {
    files: ['src/web/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'history',
          'fetch',
          'EventSource',
          'URLSearchParams',
          'URL',
          'Node',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'console',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
);

function rooms() {
  const amqp = { group: ['amqplib'], message: 'amqplib is used under src/broker only.' };
  const pg = {
    group: ['pg', '@prisma/*', '**/generated/**'],
    message: "pg and Prisma are used under src/db and a driver's own storage only.",
  };
  const routes = {
    group: ['**/db/*', '**/broker/broker.js', '**/broker/connection.js', '**/outbox/*'],
    message: 'Routes call use cases; they reach no repository and no broker.',
  };
  const pure = {
    group: ['node:*', '**/db/*', '**/broker/*', '**/drivers/*'],
    message: 'Pure data and functions: no I/O here.',
  };
  const driver = {
    group: ['**/db/*', '**/broker/*', '**/controller/*', '**/usecases/*'],
    message: "Drivers do not touch nfvo's tables or the broker.",
  };
  const usecase = {
    group: ['express', '**/api/*', '**/broker/broker.js'],
    message: 'Use cases serve every front door; they know no HTTP.',
  };
  // one rule per file: in flat config a later no-restricted-imports replaces an earlier one
  const room = (files, patterns, ignores = []) => ({
    files,
    ignores,
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  });
  const storage = ['src/drivers/*/*-ledger.ts', 'src/drivers/*/*-storage.ts'];
  return [
    room(
      [
        'src/*.ts',
        'src/cli/**',
        'src/controller/**',
        'src/worker/**',
        'src/feed/**',
        'src/outbox/**',
        'src/web/**',
        'src/metrics/**',
      ],
      [amqp, pg],
    ),
    room(['src/broker/**'], [pg]),
    room(['src/db/**'], [amqp]),
    room(['src/api/**'], [amqp, pg, routes]),
    room(['src/fsm/**', 'src/packages/**'], [amqp, pg, pure]),
    room(['src/usecases/**'], [amqp, pg, usecase]),
    room(['src/drivers/**'], [amqp, pg, driver], storage),
    room(storage, [amqp, driver]),
  ];
}
