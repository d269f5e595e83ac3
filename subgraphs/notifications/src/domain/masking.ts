/** Masks an email for logs and the ADMIN delivery log: first character, then ***, then the domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "***";
  return `${email[0]}***${email.slice(at)}`;
}

/**
 * Masks an E.164 number keeping the country/area prefix and the last three digits
 * (+447700900123 → +4477****123). Short numbers keep a shorter prefix so most digits stay hidden.
 */
export function maskPhone(phone: string): string {
  if (phone.length < 7) return "****";
  const prefix = Math.min(5, Math.max(2, phone.length - 7));
  return `${phone.slice(0, prefix)}****${phone.slice(-3)}`;
}

/** Masks a delivery recipient according to its channel. */
export function maskRecipient(channel: string, recipient: string): string {
  return channel === "SMS" ? maskPhone(recipient) : maskEmail(recipient);
}
