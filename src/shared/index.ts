export { compiledSibling } from './compiled-path.js';
