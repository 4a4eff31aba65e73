/**
 * The CLI's version. Kept equal to control-plane/package.json's "version" (a test checks it), because
 * the compiled CLI cannot import a file outside its rootDir.
 */
export const CLI_VERSION = '0.1.0';
