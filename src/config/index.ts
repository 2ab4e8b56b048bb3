export {
  CONFIG_FILE,
  loadConfig,
  parseConfig,
  selectService,
  selectServices,
  type LoadedConfig,
} from './load.ts';
export * from './schema.ts';
export {
  SETTINGS,
  setting,
  settingText,
  TEXT_FIELD_MAX,
  type SettingSpec,
  type TokenRequestRole,
} from './settings.ts';
export { Secret, SECRET_MASK, maskValue, revealValue, type MaybeSecret } from './secret.ts';
export {
  readSecretFromStdin,
  resolveSecret,
  terminalPrompt,
  type SecretInputs,
} from './secrets.ts';
