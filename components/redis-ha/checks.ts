/** Small helpers every backend's validation shares. Pure. */

export const isInt = (n: number): boolean => Number.isInteger(n);

/** A value as a problem message quotes it: strings in double quotes, the rest as they print. */
export const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : String(v));
