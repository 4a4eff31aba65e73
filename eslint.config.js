import js from '@eslint/js';
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
    // shared/ is the pure half (style.md): planners, renderers, parsers and gates take data, time
    // included, and return data. I/O, clocks and randomness arrive through parameters; only the agent
    // and the control plane import them.
    files: ['shared/src/**/*.ts'],
    ignores: ['shared/src/**/*.test.ts', 'shared/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'fs',
            'node:fs',
            'node:fs/promises',
            'node:child_process',
            'node:net',
            'node:http',
            'node:https',
            'node:http2',
            'node:dgram',
            'node:dns',
            'node:os',
            'node:process',
            'node:timers',
            'better-sqlite3',
            '@grpc/grpc-js',
            'kafkajs',
            '@elastic/elasticsearch',
          ].map((name) => ({
            name,
            message: 'shared/ is pure: pass I/O in from the agent or the control plane',
          })),
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
