/** Constants of `airlock run` that the CLI needs to describe its options without loading the runner. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8789';
