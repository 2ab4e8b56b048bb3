/**
 * The environment variable proposed for a service's client secret, the one name that `init`
 * writes, the README shows and the examples use: the prefix as one word, then the rest of the
 * service name in words, then CLIENT_SECRET. With prefix ExternalApp, ExternalAppStage gives
 * EXTERNALAPP_STAGE_CLIENT_SECRET; a service name that does not start with the prefix is split
 * into words whole (PartnerProd gives PARTNER_PROD_CLIENT_SECRET).
 */
export function secretEnvName(service: string, prefix: string): string {
  const words = (text: string) => text.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  const rest = prefix !== '' && service.startsWith(prefix) ? service.slice(prefix.length) : '';
  const name =
    rest === '' ? words(service) : `${prefix.toUpperCase()}_${words(rest).replace(/^_+/, '')}`;
  return `${name}_CLIENT_SECRET`;
}
