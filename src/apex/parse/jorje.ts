/**
 * The node types of Salesforce's Apex syntax tree (jorje), as prettier-plugin-apex's serializer
 * prints them. The typings ship with the plugin; this module only re-exports them.
 */
export type * from '../../../node_modules/prettier-plugin-apex/vendor/apex-ast-serializer/typings/jorje.d.ts';
