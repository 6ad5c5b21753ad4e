// Lint covers sources, tests, benchmarks, load tests and scripts alike.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const MODULES = 'codec|stream|windows|sinks|api|config|engine|embedded|metrics|shared|cli|traffic';
/** What product code (src/) may not import: another module's insides, or test, benchmark and load-test code. */
const PRODUCT_IMPORT_PATTERNS = [
  {
    regex: `^(\\.\\./)+(${MODULES})/(?!index\\.js$).+`,
    message: 'Import another module through its index.ts, never a deep path.',
  },
  {
    regex: '^(\\.\\./)+(loadtest|bench|test)/',
    message:
      'Product code never imports load-test, benchmark or test code; move what the product needs into src/.',
  },
];
/**
 * The thread boundary is a folder boundary: main-thread, shard-worker and feed-normaliser code share only
 * engine/protocol.ts.
 */
const threadBoundary = (other) => ({
  regex: `^\\.\\./${other}/`,
  message:
    'engine/main, engine/worker and engine/feed run on different threads; they share only ../protocol.ts.',
});

export default tseslint.config(
  { ignores: ['.scratch/**', 'dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through src/config (the only module that reads process.env).',
        },
      ],
      'no-restricted-imports': ['error', { patterns: PRODUCT_IMPORT_PATTERNS }],
    },
  },
  {
    files: [
      'src/config/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
      'loadtest/**/*.ts',
      'vitest.config.ts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/engine/main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...PRODUCT_IMPORT_PATTERNS, threadBoundary('worker'), threadBoundary('feed')] },
      ],
    },
  },
  {
    files: ['src/engine/worker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...PRODUCT_IMPORT_PATTERNS, threadBoundary('main'), threadBoundary('feed')] },
      ],
    },
  },
  {
    files: ['src/engine/feed/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...PRODUCT_IMPORT_PATTERNS, threadBoundary('main'), threadBoundary('worker')] },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'loadtest/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  prettier,
);
