// Lint rules. The one structural rule: the engine never imports the server, the tools, the
// benchmarks or the tests — data flows one way and the engine must stay usable on its own.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['bin/**/*.js', 'tools/install/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    // The dashboard's modules run in the browser (server/admin/dashboard/tsconfig.json types them).
    files: ['server/admin/dashboard/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'fetch',
          'setTimeout',
          'clearTimeout',
          'Node',
          'Element',
          'HTMLElement',
          'SVGElement',
          'Event',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server/**', '**/tools/**', '**/bench/**', '**/test/**'],
              message: 'engine/ must not import server/, tools/, bench/ or test/.',
            },
          ],
        },
      ],
    },
  },
  {
    // The worker pools are generic: each task's code lives with its concept (record/, cleaner/).
    files: ['engine/workers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../record/**', '../cleaner/**', '../log/**', '../segment/**'],
              message: 'engine/workers/ runs tasks; the tasks live with their concepts (record/, cleaner/).',
            },
          ],
        },
      ],
    },
  },
  {
    // The protocol module (schemas, codec, message types) is used by the broker and the tools
    // alike: it stands on its own.
    files: ['server/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../**', '../*', '!../schema.js', '!../codec.js', '!../message-types.js'],
              message: 'server/protocol/ imports nothing outside itself.',
            },
          ],
        },
      ],
    },
  },
  {
    // Bytes in, bytes out: no API, no storage. A response carries its own after-send hook.
    files: ['server/network/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '../../**'],
              message: 'server/network/ knows no API and no storage: it imports nothing outside itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/group/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/handlers/**', '**/network/**'],
              message: 'the group coordinator sits below the handlers and the network layer.',
            },
          ],
        },
      ],
    },
  },
);
