/** 0.0.0.0/0, ::/0 and any other spelling of a prefix of length zero: every address. */
export function isAnywhere(cidr: unknown): cidr is string {
    return typeof cidr === "string" && /\/0+$/.test(cidr.trim());
}
