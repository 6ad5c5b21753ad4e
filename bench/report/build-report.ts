/** Placeholder while the report builder is written. */
export async function buildReport(): Promise<void> {}
