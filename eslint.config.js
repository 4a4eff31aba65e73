import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'proto/src/gen/**',
      '**/*.js',
      '**/*.mjs',
      'vitest.config.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A dropped promise in a loop is a silent outage.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // Validators match control characters on purpose: to reject values that would break out of a config line.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Prettier keeps code within 110 columns but never breaks a string, template or comment: without
    // this, messages and SQL grew to 300-430 characters on one line. Long text is split into pieces
    // joined with `+`. Generated code (proto/src/gen) is ignored above.
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/max-len': ['error', { code: 200, tabWidth: 2, ignoreUrls: true }],
    },
  },
  {
    // shared/ is the pure half (style.md): planners, renderers, parsers and gates take data, time
    // included, and return data. I/O, clocks and randomness arrive through parameters; only the agent
    // and the control plane import them.
    files: ['shared/src/**/*.ts'],
    ignores: ['shared/src/**/*.test.ts', 'shared/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['better-sqlite3', '@grpc/grpc-js', 'kafkajs', '@elastic/elasticsearch'].map((name) => ({
            name,
            message: 'shared/ is pure: pass I/O in from the agent or the control plane',
          })),
          patterns: [
            {
              // Node's I/O, process and clock modules, with or without the `node:` prefix and with
              // their subpaths (fs/promises, timers/promises).
              regex:
                '^(node:)?(fs|child_process|net|tls|http|https|http2|dgram|dns|os|process|timers|worker_threads|cluster|readline|perf_hooks|inspector|v8|vm)(/.*)?$',
              message: 'shared/ is pure: pass I/O in from the agent or the control plane',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'performance'].map(
          (name) => ({ name, message: 'pure code takes time and I/O as parameters' }),
        ),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'pure code takes `now` as a parameter: new Date() reads the clock',
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: 'pure code takes `now` as a parameter: Date() reads the clock',
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pure code takes `now` as a parameter' },
        { object: 'Math', property: 'random', message: 'pure code takes a random source as a parameter' },
        { object: 'process', property: 'env', message: 'only main.ts reads the environment' },
      ],
    },
  },
);
