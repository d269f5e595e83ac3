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

/**
 * Masks a push registration token: its first 6 and last 4 characters (an FCM token is ~160), enough
 * to tell devices apart in a log, far too little to send to one. Short tokens show nothing.
 */
export function maskPushToken(token: string): string {
  if (token.length < 24) return "***";
  return `${token.slice(0, 6)}…${token.slice(-4)}`;
}

/** Masks a delivery recipient according to its channel. */
export function maskRecipient(channel: string, recipient: string): string {
  if (channel === "SMS") return maskPhone(recipient);
  if (channel === "PUSH") return maskPushToken(recipient);
  return maskEmail(recipient);
}
