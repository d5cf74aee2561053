/**
 * Card numbers as a person may see them (dashboard, `/api/status`): masked, as PCI DSS asks.
 * The full number stays in the Kafka topics only.
 *
 * @module
 */

/** Most leading digits a masked number shows (the issuer's identification number). */
const MAX_LEADING = 6;
/** Most trailing digits a masked number shows. */
const MAX_TRAILING = 4;

/**
 * A card number with its middle replaced by `*`, keeping its length. It shows the last 4 digits
 * and up to the first 6, but never more than half of the number: of a 16-digit number the first
 * 4 and the last 4 (`4000********1234`), of a 19-digit one 5 and 4, of a 12-digit one 2 and 4.
 */
export function maskCardNumber(cardNumber: string): string {
  const shown = Math.min(MAX_LEADING + MAX_TRAILING, Math.floor(cardNumber.length / 2));
  const trailing = Math.min(MAX_TRAILING, shown);
  const leading = shown - trailing;
  return cardNumber.slice(0, leading) +
    "*".repeat(cardNumber.length - shown) +
    cardNumber.slice(cardNumber.length - trailing);
}
