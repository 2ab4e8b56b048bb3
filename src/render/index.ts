export { apexIdentifier, apexStringBody, numberText, xmlText } from './escape.ts';
export { createTemplateEngine, TEMPLATES_DIR, type TemplateEngine } from './templateEngine.ts';
