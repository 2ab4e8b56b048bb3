/*
 * ApexCheck: compiles Apex classes offline with Salesforce's own Apex compiler ("jorje"), taken
 * from the apex-jorje-lsp.jar that prettier-plugin-apex ships, and prints the compiler's errors
 * as one JSON document. See README.md next to this file.
 *
 *   java -cp "<lib>/*" tools/apex-check/ApexCheck.java [--schema FILE] DIR [DIR...]
 *   java -cp "<lib>/*" tools/apex-check/ApexCheck.java [--schema FILE] --batch
 *
 * Everything used from jorje is internal and undocumented; it was read with javap from
 * prettier-plugin-apex 2.3.0 (apex-jorje-lsp.jar). Re-run tools/apex-check/test/run-clean.sh and
 * run-mutants.sh after any upgrade of that package.
 */

import apex.common.base.Initializer;
import apex.common.base.Initializers;
import apex.jorje.data.Location;
import apex.jorje.semantic.ast.modifier.ModifierGroups;
import apex.jorje.semantic.ast.visitor.AdditionalPassScope;
import apex.jorje.semantic.ast.visitor.DefaultAstVisitor;
import apex.jorje.semantic.bcl.DmlOperation;
import apex.jorje.semantic.bcl.ExceptionMethods;
import apex.jorje.semantic.common.TestAccessEvaluator;
import apex.jorje.semantic.common.TestQueryValidators;
import apex.jorje.semantic.common.TestSymbolProvider;
import apex.jorje.semantic.compiler.ApexCompiler;
import apex.jorje.semantic.compiler.CodeUnit;
import apex.jorje.semantic.compiler.CompilationInput;
import apex.jorje.semantic.compiler.CompilerStage;
import apex.jorje.semantic.compiler.Namespace;
import apex.jorje.semantic.compiler.Namespaces;
import apex.jorje.semantic.compiler.SourceFile;
import apex.jorje.semantic.compiler.parser.ParserEngine;
import apex.jorje.semantic.compiler.sfdc.NoopCompilerProgressCallback;
import apex.jorje.semantic.symbol.member.variable.FieldInfo;
import apex.jorje.semantic.symbol.member.variable.FieldTable;
import apex.jorje.semantic.symbol.member.variable.SObjectFieldInfo;
import apex.jorje.semantic.symbol.member.variable.StandardFieldTable;
import apex.jorje.semantic.symbol.resolver.SymbolResolver;
import apex.jorje.semantic.symbol.type.GenericTypeInfoFactory;
import apex.jorje.semantic.symbol.type.InternalTypeInfos;
import apex.jorje.semantic.symbol.type.SObjectMetadata;
import apex.jorje.semantic.symbol.type.SObjectTypeInfo;
import apex.jorje.semantic.symbol.type.StandardTypeInfoImpl;
import apex.jorje.semantic.symbol.type.TypeInfo;
import apex.jorje.semantic.symbol.type.TypeInfos;
import apex.jorje.semantic.symbol.type.common.BiPredicates;
import apex.jorje.services.Version;
import apex.jorje.services.exception.CompilationException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

public final class ApexCheck {
    private static final String STUB_ROOT = "StandardApexLibrary/";
    private static final boolean TIMING = System.getenv("APEX_CHECK_TIMING") != null;
    private static final boolean DEBUG_STUBS = System.getenv("APEX_CHECK_DEBUG_STUBS") != null;
    private static final boolean TRACE = System.getenv("APEX_CHECK_TRACE") != null;
    private static final long START = System.nanoTime();

    private ApexCheck() {}

    /** A failure of the driver itself (exit 2), as opposed to errors in the Apex code (exit 1). */
    static final class DriverException extends Exception {
        private static final long serialVersionUID = 1L;

        DriverException(String message) {
            super(message);
        }
    }

    /** One compiler error in a user file. */
    record Diagnostic(String file, int line, int column, String message) {}

    /**
     * An object of the project's objects/ folder (X__mdt, X__c, X__e, or a standard object's custom
     * fields in objects/Account/fields/), read from its *.object-meta.xml and *.field-meta.xml.
     */
    static final class ProjectObject {
        final String name;
        final Map<String, TypeInfo> fields = new LinkedHashMap<>();
        /** Lookup and master-detail fields: field name -> the object it refers to. */
        final Map<String, String> references = new LinkedHashMap<>();
        /** Lookup and master-detail fields: field name -> the parent's child relationship name. */
        final Map<String, String> childRelationships = new LinkedHashMap<>();
        /** "Hierarchy" or "List" for a custom setting (from X__c.object-meta.xml), else null. */
        String customSettingsType;

        ProjectObject(String name) {
            this.name = name;
        }
    }

    /**
     * The standard objects (Account, Contact, Organization...) and their fields, which the org
     * knows and jorje does not: a text file the Node side derives from jsforce's standard-schema
     * types (src/check/standardSchema.ts), one object a line, tab-separated:
     * {@code Name  field:Type,...  relationship:Parent,...  childRelationship:Child,...}, after
     * comment lines (#) of which one is the index, {@code #objects  account:0,contact:812,...}:
     * each object's lower-case name and the byte offset of its line after the comments. jorje
     * asks for every name it cannot resolve otherwise (HttpRequest, User...), so the index answers
     * those, and only the lines of the objects the code uses are read (ASCII: offsets are chars).
     */
    static final class StandardSchema {
        private final Path file;
        /** Lower-case object name -> offset of its line from the end of the comments. */
        private Map<String, Long> index;
        private long bodyStart;

        private StandardSchema(Path file) {
            this.file = file;
        }

        static StandardSchema load(Path file) throws DriverException {
            if (file != null && !Files.isRegularFile(file)) {
                throw new DriverException("no standard schema file at " + file);
            }
            return new StandardSchema(file);
        }

        /** {name, fields, relationships, children} of an object (lower-case name), or null. */
        synchronized String[] object(String key) {
            if (file == null) {
                return null;
            }
            try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(file.toFile(), "r")) {
                if (index == null) {
                    index = new HashMap<>();
                    for (String line = in.readLine(); line != null && line.startsWith("#"); line = in.readLine()) {
                        bodyStart = in.getFilePointer();
                        if (line.startsWith("#objects\t")) {
                            for (String entry : line.substring("#objects\t".length()).split(",")) {
                                int colon = entry.lastIndexOf(':');
                                index.put(entry.substring(0, colon), Long.parseLong(entry.substring(colon + 1)));
                            }
                        }
                    }
                    lap("standard schema index (" + index.size() + " objects)");
                }
                Long offset = index.get(key);
                if (offset == null) {
                    return null;
                }
                if (TRACE) {
                    System.err.println("apex-check standard object " + key);
                }
                in.seek(bodyStart + offset);
                String line = in.readLine();
                return line == null ? null : java.util.Arrays.copyOf(line.split("\t", -1), 4);
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot read the standard schema " + file + ": " + e, e);
            }
        }

        /** "a:X,b:Y" as {{"a","X"},{"b","Y"}}. */
        static List<String[]> pairs(String list) {
            List<String[]> out = new ArrayList<>();
            if (list == null || list.isEmpty()) {
                return out;
            }
            for (String pair : list.split(",")) {
                int colon = pair.indexOf(':');
                if (colon > 0) {
                    out.add(new String[] {pair.substring(0, colon), pair.substring(colon + 1)});
                }
            }
            return out;
        }
    }

    public static void main(String[] args) {
        PrintStream stdout = System.out;
        // jorje and its dependencies log and print; nothing but our JSON may reach stdout.
        System.setOut(System.err);
        Logger.getLogger("").setLevel(Level.WARNING);
        // Leading options: --schema FILE (the standard objects' fields; see StandardSchema).
        Path schemaFile = null;
        if (args.length >= 2 && args[0].equals("--schema")) {
            schemaFile = Paths.get(args[1]);
            args = java.util.Arrays.copyOfRange(args, 2, args.length);
        }
        if (args.length == 1 && args[0].equals("--batch")) {
            System.exit(batch(stdout, schemaFile));
        }
        int exit;
        String json;
        try {
            List<Diagnostic> diagnostics = new ArrayList<>();
            int files = Driver.run(args, StandardSchema.load(schemaFile), diagnostics);
            json = toJson(files, diagnostics, (System.nanoTime() - START) / 1_000_000);
            exit = diagnostics.isEmpty() ? 0 : 1;
        } catch (DriverException e) {
            System.err.println("apex-check: " + e.getMessage());
            json = "{\"error\": " + quote(e.getMessage()) + "}";
            exit = 2;
        } catch (NoClassDefFoundError e) {
            e.printStackTrace(System.err);
            json = "{\"error\": " + quote("the Apex compiler (apex-jorje-lsp.jar) is not on the classpath: "
                + e.getMessage()) + "}";
            exit = 2;
        } catch (Throwable e) {
            e.printStackTrace(System.err);
            json = "{\"error\": " + quote("apex-check failed: " + e) + "}";
            exit = 2;
        }
        stdout.println(json);
        stdout.flush();
        System.exit(exit);
    }

    /**
     * Several checks in one JVM: each line of standard input is one check (its directories,
     * tab-separated), answered by one line of JSON on stdout. The JVM and the compiler start
     * once, which is most of a check's cost.
     */
    static int batch(PrintStream stdout, Path schemaFile) {
        try (java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            // Read once for every check; each check builds the types it uses from it.
            StandardSchema schema = StandardSchema.load(schemaFile);
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                long start = System.nanoTime();
                String json;
                try {
                    List<Diagnostic> diagnostics = new ArrayList<>();
                    int files = Driver.run(line.split("\t"), schema, diagnostics);
                    // One line per answer: the reader splits on newlines.
                    json = toJson(files, diagnostics, (System.nanoTime() - start) / 1_000_000)
                        .replace("\n", "");
                } catch (DriverException e) {
                    json = "{\"error\": " + quote(e.getMessage()) + "}";
                } catch (Exception e) {
                    e.printStackTrace(System.err);
                    json = "{\"error\": " + quote("apex-check failed: " + e) + "}";
                }
                stdout.println(json);
                stdout.flush();
            }
            return 0;
        } catch (Throwable e) {
            e.printStackTrace(System.err);
            stdout.println("{\"error\": " + quote("apex-check failed: " + e) + "}");
            stdout.flush();
            return 2;
        }
    }

    /**
     * Everything that touches jorje, in a class of its own: when the jar is missing from the
     * classpath, loading it fails inside main's try (exit 2 with a JSON error), not before main.
     */
    static final class Driver {
        private Driver() {}

        static int run(String[] args, StandardSchema schema, List<Diagnostic> diagnostics) throws Exception {
            if (args.length == 0) {
                throw new DriverException(
                    "usage: ApexCheck [--schema FILE] DIR [DIR...] (Salesforce source-format package directories)");
            }
            Path cwd = Paths.get("").toAbsolutePath();
            // Display path (relative to the current directory) of every .cls file, by absolute path.
            Map<Path, String> classFiles = new TreeMap<>();
            Map<String, ProjectObject> objects = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            Set<String> labels = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            for (String arg : args) {
                Path dir = Paths.get(arg);
                if (!Files.isDirectory(dir)) {
                    throw new DriverException("not a directory: " + arg);
                }
                scan(dir.toAbsolutePath().normalize(), cwd, classFiles, objects, labels);
            }
            lap("scan (" + classFiles.size() + " classes, " + objects.size() + " objects, "
                + labels.size() + " custom labels)");

            List<SourceFile> sources = new ArrayList<>();
            Map<SourceFile, String> displayPaths = new IdentityHashMap<>();
            for (Map.Entry<Path, String> e : classFiles.entrySet()) {
                String body = Files.readString(e.getKey(), StandardCharsets.UTF_8);
                if (!body.isEmpty() && body.charAt(0) == '\uFEFF') {
                    body = body.substring(1);
                }
                String name = e.getKey().getFileName().toString();
                SourceFile source = SourceFile.builder()
                    .setBody(body)
                    .setVersion(apiVersion(e.getKey()))
                    .setKnownName(name.substring(0, name.length() - ".cls".length()))
                    .build();
                sources.add(source);
                displayPaths.put(source, e.getValue());
            }
            if (sources.isEmpty()) {
                return 0;
            }

            StubSymbolProvider provider = new StubSymbolProvider(openStubJar(), objects, schema, labels);
            TestAccessEvaluator access = new TestAccessEvaluator() {
                @Override
                public boolean isSetupEntityVisibleToType(SObjectTypeInfo entity, TypeInfo referencingType) {
                    // Custom metadata types live in the org's own namespace, like the classes.
                    return true;
                }
            };
            CompilationInput input = new CompilationInput(
                sources,
                provider,
                access,
                new TestQueryValidators.Noop(),
                new DefaultAstVisitor<AdditionalPassScope>(),
                NoopCompilerProgressCallback.get()
            );
            ApexCompiler compiler = ApexCompiler.builder()
                .setInput(input)
                .setParserType(ParserEngine.Type.NAMED)
                .build();
            lap("setup");
            List<CodeUnit> units = compiler.compile(CompilerStage.ADDITIONAL_VALIDATE);
            lap("compile (" + provider.loadedStubs() + " platform stubs loaded)");

            Set<String> seen = new java.util.HashSet<>();
            for (CodeUnit unit : units) {
                String file = displayPaths.get(unit.getSourceFile());
                if (file == null) {
                    // A platform stub: its errors are not ours (the stubs have empty method bodies).
                    if (DEBUG_STUBS) {
                        for (CompilationException error : unit.getErrors().get()) {
                            System.err.println("apex-check stub " + unit.getSourceFile().getKnownName()
                                + ": " + error.getMessage());
                        }
                    }
                    continue;
                }
                for (CompilationException error : unit.getErrors().get()) {
                    // 1-based; 0 and 0 when the compiler gives no position.
                    Location loc = error.getLoc();
                    int line = loc == null || loc.getLine() < 1 ? 0 : loc.getLine();
                    int column = line == 0 || loc.getColumn() < 1 ? 0 : loc.getColumn();
                    String message = error.getError();
                    if (message == null || message.isEmpty()) {
                        message = error.getMessage();
                    }
                    if (seen.add(file + "\0" + line + "\0" + column + "\0" + message)) {
                        diagnostics.add(new Diagnostic(file, line, column, message));
                    }
                }
            }
            diagnostics.sort(Comparator.comparing(Diagnostic::file)
                .thenComparingInt(Diagnostic::line)
                .thenComparingInt(Diagnostic::column)
                .thenComparing(Diagnostic::message));
            return sources.size();
        }

        private static final Pattern API_VERSION = Pattern.compile("<apiVersion>\\s*([0-9.]+)\\s*</apiVersion>");

        /** The class's API version from its X.cls-meta.xml, as the org compiles it; else the newest. */
        static Version apiVersion(Path cls) throws IOException {
            Path meta = cls.resolveSibling(cls.getFileName() + "-meta.xml");
            if (Files.isRegularFile(meta)) {
                Matcher m = API_VERSION.matcher(Files.readString(meta, StandardCharsets.UTF_8));
                if (m.find()) {
                    try {
                        double wanted = Double.parseDouble(m.group(1));
                        for (Version v : Version.values()) {
                            if (v.getExternal() == wanted) {
                                return v;
                            }
                        }
                    } catch (NumberFormatException ignored) {
                        // fall through
                    }
                }
            }
            return Version.CURRENT;
        }

        // ---------------------------------------------------------------------------------------
        // Source scanning

        static void scan(Path root, Path cwd, Map<Path, String> classFiles, Map<String, ProjectObject> objects,
            Set<String> labels) throws IOException {
            List<Path> paths;
            try (Stream<Path> walk = Files.walk(root)) {
                paths = walk
                    .filter(p -> !isHiddenBelow(root, p))
                    .filter(Files::isRegularFile)
                    .toList();
            }
            for (Path p : paths) {
                String name = p.getFileName().toString();
                if (name.endsWith(".cls")) {
                    Path abs = p.toAbsolutePath().normalize();
                    classFiles.putIfAbsent(abs, cwd.relativize(abs).toString().replace('\\', '/'));
                } else if (name.endsWith(".field-meta.xml")) {
                    Path fields = p.getParent();
                    Path object = fields == null ? null : fields.getParent();
                    Path objectsDir = object == null ? null : object.getParent();
                    if (objectsDir != null
                        && fields.getFileName().toString().equals("fields")
                        && objectsDir.getFileName().toString().equals("objects")) {
                        String typeName = object.getFileName().toString();
                        ProjectObject type = objects.computeIfAbsent(typeName, ProjectObject::new);
                        readField(p, type);
                    }
                } else if (name.endsWith(".labels-meta.xml")) {
                    Matcher block = LABEL_BLOCK.matcher(Files.readString(p, StandardCharsets.UTF_8));
                    while (block.find()) {
                        Matcher fullName = FULL_NAME.matcher(block.group(1));
                        if (fullName.find()) {
                            labels.add(fullName.group(1).trim());
                        }
                    }
                } else if (name.endsWith(".object-meta.xml")) {
                    Path object = p.getParent();
                    Path objectsDir = object == null ? null : object.getParent();
                    if (objectsDir != null && objectsDir.getFileName().toString().equals("objects")) {
                        ProjectObject type = objects.computeIfAbsent(object.getFileName().toString(),
                            ProjectObject::new);
                        String settings = topLevelElements(Files.readString(p, StandardCharsets.UTF_8))
                            .get("customSettingsType");
                        if (settings != null && !settings.isEmpty()) {
                            type.customSettingsType = settings;
                        }
                    }
                }
            }
        }

        private static final Pattern LABEL_BLOCK = Pattern.compile("<labels>(.*?)</labels>", Pattern.DOTALL);
        private static final Pattern FULL_NAME = Pattern.compile("<fullName>(.*?)</fullName>", Pattern.DOTALL);

        private static boolean isHiddenBelow(Path root, Path p) {
            Path rel = root.relativize(p);
            for (Path part : rel) {
                if (part.toString().startsWith(".")) {
                    return true;
                }
            }
            return false;
        }

        private static final Pattern XML_COMMENT = Pattern.compile("<!--.*?-->", Pattern.DOTALL);
        private static final Pattern XML_TAG = Pattern.compile("<(/?)([A-Za-z_][\\w.:-]*)[^>]*?(/?)>");

        /** Reads one CustomField file: its top-level fullName and type. */
        static void readField(Path file, ProjectObject type) throws IOException {
            Map<String, String> top = topLevelElements(Files.readString(file, StandardCharsets.UTF_8));
            String fullName = top.get("fullName");
            if (fullName == null || fullName.isEmpty()) {
                String n = file.getFileName().toString();
                fullName = n.substring(0, n.length() - ".field-meta.xml".length());
            }
            String referenceTo = top.get("referenceTo");
            if (referenceTo != null && !referenceTo.isEmpty()) {
                // A lookup or master-detail: the Id field here, the parent record as X__r.
                type.fields.put(fullName, TypeInfos.ID);
                type.references.put(fullName, referenceTo);
                String relationship = top.get("relationshipName");
                if (relationship != null && !relationship.isEmpty()) {
                    type.childRelationships.put(fullName, relationship);
                }
                return;
            }
            type.fields.put(fullName, fieldType(top.get("type"), file));
        }

        /**
         * The text of the children of the root element, by name (first one wins). Only those: a
         * picklist's valueSet holds fullName elements of its own, one level deeper.
         */
        static Map<String, String> topLevelElements(String xml) {
            String text = XML_COMMENT.matcher(xml).replaceAll("");
            Map<String, String> top = new HashMap<>();
            int depth = 0;
            int textStart = -1;
            String current = null;
            Matcher m = XML_TAG.matcher(text);
            while (m.find()) {
                boolean closing = !m.group(1).isEmpty();
                boolean selfClosing = !m.group(3).isEmpty();
                if (closing) {
                    depth--;
                    if (depth == 1 && current != null) {
                        top.putIfAbsent(current, unescapeXml(text.substring(textStart, m.start()).trim()));
                        current = null;
                    }
                } else if (selfClosing) {
                    if (depth == 1) {
                        top.putIfAbsent(m.group(2), "");
                    }
                } else {
                    depth++;
                    if (depth == 2) {
                        current = m.group(2);
                        textStart = m.end();
                    }
                }
            }
            return top;
        }

        private static String unescapeXml(String s) {
            return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&apos;", "'").replace("&amp;", "&");
        }

        static TypeInfo fieldType(String type, Path file) {
            String t = type == null ? "" : type.trim();
            switch (t) {
                case "Text":
                case "TextArea":
                case "LongTextArea":
                case "Html":
                case "Url":
                case "Email":
                case "Phone":
                case "Picklist":
                case "MultiselectPicklist":
                case "EncryptedText":
                case "AutoNumber":
                case "MetadataRelationship":
                    return TypeInfos.STRING;
                case "Lookup":
                case "MasterDetail":
                case "Hierarchy":
                case "ExternalLookup":
                    return TypeInfos.ID;
                case "Time":
                    return TypeInfos.TIME;
                case "Summary":
                    return TypeInfos.DECIMAL;
                case "Number":
                case "Percent":
                case "Currency":
                    return TypeInfos.DECIMAL;
                case "Checkbox":
                    return TypeInfos.BOOLEAN;
                case "Date":
                    return TypeInfos.DATE;
                case "DateTime":
                    return TypeInfos.DATE_TIME;
                default:
                    System.err.println("apex-check: " + file + ": field type '" + t
                        + "' is not known to apex-check; treating it as String");
                    return TypeInfos.STRING;
            }
        }

        // ---------------------------------------------------------------------------------------
        // The symbol provider: platform types from the stub .cls files in the jar, exceptions as
        // proper exception types, standard objects from the schema file, the project's objects/.

        static ZipFile openStubJar() throws IOException, DriverException {
            java.security.CodeSource source = ApexCompiler.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                throw new DriverException("cannot locate apex-jorje-lsp.jar on the classpath");
            }
            Path jar;
            try {
                jar = Paths.get(source.getLocation().toURI());
            } catch (java.net.URISyntaxException e) {
                throw new DriverException("cannot locate apex-jorje-lsp.jar: " + e.getMessage());
            }
            ZipFile zip = new ZipFile(jar.toFile());
            if (zip.stream().noneMatch(e -> e.getName().startsWith(STUB_ROOT))) {
                throw new DriverException(jar + " holds no " + STUB_ROOT + " platform stubs");
            }
            return zip;
        }

        static final class StubSymbolProvider extends TestSymbolProvider {
            /** Platform stubs not to use: jorje's own built-in type is right where the stub is wrong. */
            private static final Set<String> BUILT_IN_ONLY = Set.of(
                "system/accesslevel", // the stub declares SYSTEM_MODE and USER_MODE as instance Objects
                "system/comparator", // the stub is not generic: Comparator<T>
                "system/label" // jorje's own System.Label type serves custom labels (hasLabelField)
            );

            /** Platform types missing from the stubs (marker interfaces), as Apex source. */
            private static final Map<String, String> EXTRA_STUBS = Map.of(
                "Database/AllowsCallouts", "global interface AllowsCallouts {}",
                "Database/Stateful", "global interface Stateful {}",
                "Database/RaisesPlatformEvents", "global interface RaisesPlatformEvents {}",
                "System/Savepoint", "global class Savepoint {}"
            );

            private static final Pattern OBJECT_METHOD = Pattern.compile(
                "(?m)^(\\s*global) (String toString\\(\\) \\{)");
            private static final Pattern RAW_MAP_PARAMETER = Pattern.compile("\\bMap (\\w+)(?=\\s*[,)])");

            /** Fixes to stubs that declare members wrongly: stub key -> {regex, replacement}. */
            private static final Map<String, String[]> STUB_PATCHES = Map.of(
                // RestContext.request and .response are static.
                "system/restcontext",
                new String[] {"(?m)^(\\s*global) (Rest(Request|Response) \\w+;)", "$1 static $2"}
            );

            /** A platform type in Apex source: a stub .cls in the jar, or one of EXTRA_STUBS. */
            record Stub(String ns, String name, String jarEntry, String inlineSource) {
                String key() {
                    return (ns + "/" + name).toLowerCase(Locale.ROOT);
                }
            }

            private final ZipFile jar;
            /** "ns/type" in lower case -> its stub. */
            private final Map<String, Stub> stubs = new HashMap<>();
            /** Canonical lower-case key -> type, so that every alias of a type gets the same TypeInfo. */
            private final Map<String, TypeInfo> types = new HashMap<>();
            /** The project's objects/ folder, by name (case-insensitive). */
            private final Map<String, ProjectObject> objects;
            private final StandardSchema schema;
            /** Lower-case object name -> its type: one TypeInfo per object, wherever it is named. */
            private final Map<String, TypeInfo> sobjects = new HashMap<>();
            private final Set<String> labels;
            private TypeInfo baseException;
            private SymbolResolver lastResolver;
            private int loaded;

            StubSymbolProvider(ZipFile jar, Map<String, ProjectObject> objects, StandardSchema schema,
                Set<String> labels) {
                this.jar = jar;
                this.objects = objects;
                this.schema = schema;
                this.labels = labels;
                jar.stream().forEach(e -> {
                    String n = e.getName();
                    if (n.startsWith(STUB_ROOT) && n.endsWith(".cls")) {
                        String[] parts = n.substring(STUB_ROOT.length()).split("/");
                        if (parts.length == 2) {
                            String type = parts[1].substring(0, parts[1].length() - ".cls".length());
                            Stub stub = new Stub(parts[0], type, n, null);
                            stubs.put(stub.key(), stub);
                        }
                    }
                });
                EXTRA_STUBS.forEach((qualified, source) -> {
                    String[] parts = qualified.split("/");
                    Stub stub = new Stub(parts[0], parts[1], null, source);
                    stubs.putIfAbsent(stub.key(), stub);
                });
            }

            int loadedStubs() {
                return loaded;
            }

            /** The stub of "ns/type", or of a bare "type" of the System namespace. */
            private Stub stubFor(String key) {
                Stub stub = stubs.get(key);
                if (stub == null && key.indexOf('/') < 0) {
                    stub = stubs.get("system/" + key); // System types are visible unqualified
                }
                return stub;
            }

            /** A platform stub's type (System.Address), or Object before jorje asked for any type. */
            private TypeInfo platformType(String key) {
                Stub stub = stubFor(key);
                return stub == null || lastResolver == null ? TypeInfos.OBJECT : stubType(lastResolver, stub);
            }

            @Override
            public synchronized TypeInfo find(SymbolResolver resolver, TypeInfo referencingType, String name) {
                // getSObjectType gets no resolver; the fields' platform types (Address) use this one.
                lastResolver = resolver;
                TypeInfo type = findType(resolver, referencingType, name);
                if (TRACE) {
                    System.err.println("apex-check find " + name + " (from "
                        + (referencingType == null ? null : referencingType.getApexName()) + ") -> "
                        + (type == null ? null : type.getApexName()));
                }
                return type;
            }

            private TypeInfo findType(SymbolResolver resolver, TypeInfo referencingType, String name) {
                String key = name.toLowerCase(Locale.ROOT);
                if (key.equals("system/apexbaseexception")) {
                    return baseException();
                }
                int dollar = key.indexOf('$');
                if (dollar > 0) {
                    // An inner type, asked for as "ns/outer$inner": serve the exceptions nested in
                    // stubs (Cache.Org.OrgCacheException...) as proper exception types.
                    TypeInfo nested = nestedException(key.substring(0, dollar), key.substring(dollar + 1));
                    return nested != null ? nested : super.find(resolver, referencingType, name);
                }
                Stub stub = stubFor(key);
                if (stub == null) {
                    return super.find(resolver, referencingType, name);
                }
                if (BUILT_IN_ONLY.contains(stub.key())) {
                    // jorje's own type, or null to let jorje's own resolution rules find it.
                    return super.find(resolver, referencingType, stub.key());
                }
                return stubType(resolver, stub);
            }

            private TypeInfo stubType(SymbolResolver resolver, Stub stub) {
                TypeInfo type = types.get(stub.key());
                if (type != null) {
                    return type;
                }
                String body = read(stub);
                if (stub.name().endsWith("Exception") && isPlainTopLevelClass(body, stub.name())) {
                    // The stubs declare platform exceptions without "extends Exception": jorje then
                    // rejects them in catch blocks and they have no getMessage(). Serve them as
                    // exceptions, with jorje's own exception methods.
                    type = exceptionType(stub.ns(), stub.ns() + "." + stub.name(), stub.ns() + "/" + stub.name());
                } else {
                    SourceFile source = SourceFile.builder()
                        .setBody(body)
                        .setVersion(Version.CURRENT)
                        .setNamespace(Namespaces.create(stub.ns()))
                        .setTrusted(true)
                        .setKnownName((stub.ns() + "." + stub.name()).toLowerCase(Locale.ROOT))
                        .build();
                    loaded++;
                    type = resolver.getCompilerService().attachSource(resolver, source, stub.key());
                }
                types.put(stub.key(), type);
                return type;
            }

            private TypeInfo nestedException(String outerKey, String innerKey) {
                if (!innerKey.endsWith("exception") || innerKey.contains("$")) {
                    return null;
                }
                Stub outer = stubFor(outerKey);
                if (outer == null) {
                    return null;
                }
                String canonical = outer.key() + "$" + innerKey;
                TypeInfo type = types.get(canonical);
                if (type != null) {
                    return type;
                }
                // Only a class the stub declares (global class OrgCacheException extends Exception {}).
                Matcher m = Pattern.compile(
                        "\\bclass\\s+(" + Pattern.quote(innerKey) + ")\\b", Pattern.CASE_INSENSITIVE)
                    .matcher(read(outer));
                if (!m.find()) {
                    return null;
                }
                String inner = m.group(1);
                type = exceptionType(outer.ns(), outer.ns() + "." + outer.name() + "." + inner,
                    outer.ns() + "/" + outer.name() + "$" + inner);
                types.put(canonical, type);
                return type;
            }

            /** Whether the stub declares the top-level class of that name without a parent. */
            private static boolean isPlainTopLevelClass(String body, String simple) {
                return Pattern.compile(
                        "(?m)^global\\s+(virtual\\s+)?class\\s+" + Pattern.quote(simple) + "\\s*\\{")
                    .matcher(body).find();
            }

            /** The base of every exception, with getMessage, getCause, getTypeName... and constructors. */
            private TypeInfo baseException() {
                if (baseException == null) {
                    TypeInfo internal = InternalTypeInfos.APEX_EXCEPTION;
                    baseException = StandardTypeInfoImpl.builder()
                        .setApexName(internal.getApexName())
                        .setBytecodeName(internal.getBytecodeName())
                        .setNamespace(internal.getNamespace())
                        .setBasicType(internal.getBasicType())
                        .setUnitType(internal.getUnitType())
                        .setParents(TypeInfos.EXCEPTION)
                        .setModifiers(ModifierGroups.GLOBAL_VIRTUAL)
                        .setMethods(ExceptionMethods.methodsWithConstructors())
                        .buildResolved();
                }
                return baseException;
            }

            private TypeInfo exceptionType(String ns, String apexName, String bytecodeName) {
                TypeInfo base = baseException();
                return StandardTypeInfoImpl.builder()
                    .setApexName(apexName)
                    .setBytecodeName(bytecodeName)
                    .setNamespace(Namespaces.create(ns))
                    .setBasicType(base.getBasicType())
                    .setUnitType(base.getUnitType())
                    .setParents(base)
                    .setModifiers(ModifierGroups.GLOBAL_VIRTUAL)
                    .setMethods(ExceptionMethods.methodsWithConstructors())
                    .buildResolved();
            }

            private String read(Stub stub) {
                if (stub.inlineSource() != null) {
                    return stub.inlineSource();
                }
                String body;
                ZipEntry e = jar.getEntry(stub.jarEntry());
                try (var in = jar.getInputStream(e)) {
                    body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
                // Stubs redeclare toString() without "override", which jorje rejects
                // (UUID.randomUUID().toString() then reports "Method is not visible"), and some use
                // a raw Map parameter that does not parse.
                body = OBJECT_METHOD.matcher(body).replaceAll("$1 override $2");
                body = RAW_MAP_PARAMETER.matcher(body).replaceAll("Map<String, Object> $1");
                String[] patch = STUB_PATCHES.get(stub.key());
                return patch == null ? body : body.replaceAll(patch[0], patch[1]);
            }

            @Override
            public boolean hasLabelField(TypeInfo referencingType, Namespace namespace, String name) {
                // System.Label.X / Label.X: the custom labels of labels/*.labels-meta.xml.
                return labels.contains(name) || super.hasLabelField(referencingType, namespace, name);
            }

            @Override
            public synchronized TypeInfo getSObjectType(TypeInfo referencingType, String name) {
                String key = name.toLowerCase(Locale.ROOT);
                if (key.startsWith("schema.")) {
                    key = key.substring("schema.".length());
                }
                TypeInfo known = sobjects.get(key);
                if (known != null) {
                    return known;
                }
                ProjectObject local = objects.get(key);
                String[] standard = schema.object(key);
                TypeInfo type;
                if (local != null && key.endsWith("__mdt")) {
                    type = customMetadataType(local);
                } else if (standard != null) {
                    type = standardObject(standard, local);
                } else if (local != null && key.contains("__")) {
                    type = customObject(local);
                } else {
                    // jorje's own test objects (AggregateResult...), or unknown: "Invalid type".
                    return super.getSObjectType(referencingType, name);
                }
                sobjects.put(key, type);
                return type;
            }

            /**
             * An object's fields, and its tokens: read statically, {@code Account.Phone} is the
             * field's Schema.SObjectField and {@code Account.SObjectType} the object's
             * Schema.SObjectType, as the org compiles them. jorje asks the table with a static
             * lookup mode for those, with an instance one for {@code account.Phone}.
             */
            final class TokenFieldTable implements FieldTable {
                private final FieldTable instance = new StandardFieldTable();
                private final Map<String, FieldInfo> tokens = new HashMap<>();

                @Override
                public apex.common.base.Result<Void> add(FieldInfo field) {
                    return instance.add(field);
                }

                @Override
                public FieldInfo get(SymbolResolver resolver, TypeInfo referencingType, String name,
                    FieldTable.LookupMode mode) {
                    if (!mode.name().startsWith("STATIC")) {
                        return instance.get(resolver, referencingType, name, mode);
                    }
                    String key = name.toLowerCase(Locale.ROOT);
                    FieldInfo token = tokens.get(key);
                    if (token != null) {
                        return token;
                    }
                    FieldInfo field = instance.get(resolver, referencingType, name,
                        FieldTable.LookupMode.INSTANCE_REFERENCE);
                    String tokenType = key.equals("sobjecttype") ? "schema/sobjecttype"
                        : field != null ? "schema/sobjectfield" : null;
                    Stub stub = tokenType == null ? null : stubFor(tokenType);
                    if (stub == null) {
                        return null;
                    }
                    token = SObjectFieldInfo.builder()
                        .setName(field != null ? field.getName() : "SObjectType")
                        .setModifiers(ModifierGroups.GLOBAL_STATIC)
                        .setDefiningType(field != null ? field.getDefiningType() : referencingType)
                        .setType(stubType(resolver, stub))
                        .setCategory(SObjectFieldInfo.Category.REGULAR)
                        .build();
                    tokens.put(key, token);
                    return token;
                }

                @Override
                public FieldTable resolve() {
                    instance.resolve();
                    return this;
                }

                @Override
                public boolean isResolved() {
                    return instance.isResolved();
                }

                @Override
                public java.util.Collection<FieldInfo> all() {
                    return instance.all();
                }
            }

            /** A standard object: its fields from the standard schema, plus the project's custom fields. */
            private TypeInfo standardObject(String[] standard, ProjectObject local) {
                Initializer<FieldTable, TypeInfo> fields = definingType -> {
                    FieldTable table = new TokenFieldTable();
                    Set<String> seen = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
                    for (String[] f : StandardSchema.pairs(standard[1])) {
                        addField(table, seen, definingType, f[0], schemaType(f[1]));
                    }
                    for (String[] f : StandardSchema.pairs(standard[2])) {
                        addRelationship(table, seen, definingType, f[0], f[1]);
                    }
                    for (String[] f : StandardSchema.pairs(standard[3])) {
                        addChildren(table, seen, definingType, f[0], f[1]);
                    }
                    addProjectFields(table, seen, definingType, local, standard[0]);
                    return table.resolve();
                };
                return sobjectType(standard[0], fields, SObjectMetadata.CustomEntitySObjectType.OTHER);
            }

            /** A custom object (X__c, X__e...) of the project: the system fields and its own. */
            private TypeInfo customObject(ProjectObject local) {
                Initializer<FieldTable, TypeInfo> fields = definingType -> {
                    FieldTable table = new TokenFieldTable();
                    Set<String> seen = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
                    addField(table, seen, definingType, "Id", TypeInfos.ID);
                    addField(table, seen, definingType, "Name", TypeInfos.STRING);
                    addField(table, seen, definingType, "IsDeleted", TypeInfos.BOOLEAN);
                    addField(table, seen, definingType, "SetupOwnerId", TypeInfos.ID);
                    for (String user : List.of("Owner", "CreatedBy", "LastModifiedBy")) {
                        addField(table, seen, definingType, user + "Id", TypeInfos.ID);
                        addRelationship(table, seen, definingType, user, "User");
                    }
                    addField(table, seen, definingType, "RecordTypeId", TypeInfos.ID);
                    addRelationship(table, seen, definingType, "RecordType", "RecordType");
                    for (String stamp : List.of("CreatedDate", "LastModifiedDate", "SystemModstamp",
                        "LastViewedDate", "LastReferencedDate")) {
                        addField(table, seen, definingType, stamp, TypeInfos.DATE_TIME);
                    }
                    addProjectFields(table, seen, definingType, local, local.name);
                    return table.resolve();
                };
                String settings = local.customSettingsType;
                SObjectMetadata.CustomEntitySObjectType kind = "Hierarchy".equals(settings)
                    ? SObjectMetadata.CustomEntitySObjectType.HIERARCHY_CUSTOM_SETTING
                    : "List".equals(settings)
                        ? SObjectMetadata.CustomEntitySObjectType.LIST_CUSTOM_SETTING
                        : SObjectMetadata.CustomEntitySObjectType.OTHER;
                return sobjectType(local.name, fields, kind);
            }

            private static TypeInfo sobjectType(String name, Initializer<FieldTable, TypeInfo> fields,
                SObjectMetadata.CustomEntitySObjectType kind) {
                return SObjectTypeInfo.builder()
                    .setApexBytecodeName(name)
                    .setMetadata(SObjectMetadata.builder()
                        .setTriggerable(true)
                        .setLookupFieldPredicate(BiPredicates.alwaysTrue())
                        .setCustomEntitySObjectType(kind)
                        .build())
                    .setFields(Initializers.memoize(fields))
                    .buildResolved();
            }

            /**
             * The project's custom fields of an object, its lookups' parent records (X__r), and the
             * child relationships other project objects' lookups give it.
             */
            private void addProjectFields(FieldTable table, Set<String> seen, TypeInfo definingType,
                ProjectObject local, String objectName) {
                if (local != null) {
                    local.fields.forEach((field, type) -> addField(table, seen, definingType, field, type));
                    local.references.forEach((field, target) -> {
                        if (field.toLowerCase(Locale.ROOT).endsWith("__c")) {
                            String relationship = field.substring(0, field.length() - 3) + "__r";
                            addRelationship(table, seen, definingType, relationship, target);
                        }
                    });
                }
                for (ProjectObject child : objects.values()) {
                    child.childRelationships.forEach((field, relationship) -> {
                        if (objectName.equalsIgnoreCase(child.references.get(field))) {
                            addChildren(table, seen, definingType, relationship + "__r", child.name);
                        }
                    });
                }
            }

            /** A field type of the standard schema file, as its Apex type. */
            private TypeInfo schemaType(String type) {
                switch (type) {
                    case "Address": return platformType("system/address");
                    case "Id": return TypeInfos.ID;
                    case "Boolean": return TypeInfos.BOOLEAN;
                    case "Integer": return TypeInfos.INTEGER;
                    case "Decimal": return TypeInfos.DECIMAL;
                    case "Double": return TypeInfos.DOUBLE;
                    case "Date": return TypeInfos.DATE;
                    case "Datetime": return TypeInfos.DATE_TIME;
                    case "Time": return TypeInfos.TIME;
                    case "Blob": return TypeInfos.BLOB;
                    case "String": return TypeInfos.STRING;
                    default: return TypeInfos.OBJECT; // untyped fields (ChangeEventHeader)
                }
            }

            private static void addField(FieldTable table, Set<String> seen, TypeInfo definingType,
                String name, TypeInfo type) {
                if (!seen.add(name)) {
                    return;
                }
                table.add(SObjectFieldInfo.builder()
                    .setName(name)
                    .setModifiers(ModifierGroups.ONLY_GLOBAL)
                    .setDefiningType(definingType)
                    .setType(type)
                    .setCategory(SObjectFieldInfo.Category.REGULAR)
                    .setPrimaryKey(name.equals("Id"))
                    .build());
            }

            /** A parent record (Account.Owner, Contact.Account): typed as the parent object. */
            private void addRelationship(FieldTable table, Set<String> seen, TypeInfo definingType,
                String name, String target) {
                TypeInfo parent = getSObjectType(null, target);
                if (parent == null || !seen.add(name)) {
                    return;
                }
                table.add(SObjectFieldInfo.builder()
                    .setName(name)
                    .setModifiers(ModifierGroups.ONLY_GLOBAL)
                    .setDefiningType(definingType)
                    .setType(parent)
                    .setCategory(SObjectFieldInfo.Category.FOREIGN_KEY)
                    .build());
            }

            /** A child relationship (Account.Contacts): a list of the child object. */
            private void addChildren(FieldTable table, Set<String> seen, TypeInfo definingType,
                String name, String target) {
                TypeInfo child = getSObjectType(null, target);
                if (child == null || !seen.add(name)) {
                    return;
                }
                table.add(SObjectFieldInfo.builder()
                    .setName(name)
                    .setModifiers(ModifierGroups.ONLY_GLOBAL)
                    .setDefiningType(definingType)
                    .setType(GenericTypeInfoFactory.createList(child))
                    .setCategory(SObjectFieldInfo.Category.AGGREGATE)
                    .build());
            }

            private static TypeInfo customMetadataType(ProjectObject cmdt) {
                Initializer<FieldTable, TypeInfo> fields = definingType -> {
                    FieldTable table = new StandardFieldTable();
                    Map<String, TypeInfo> all = new LinkedHashMap<>();
                    all.put("Id", TypeInfos.ID);
                    for (String standard : List.of("DeveloperName", "MasterLabel", "Label", "Language",
                        "NamespacePrefix", "QualifiedApiName")) {
                        all.put(standard, TypeInfos.STRING);
                    }
                    all.putAll(cmdt.fields);
                    for (Map.Entry<String, TypeInfo> f : all.entrySet()) {
                        table.add(SObjectFieldInfo.builder()
                            .setName(f.getKey())
                            .setModifiers(ModifierGroups.ONLY_GLOBAL)
                            .setDefiningType(definingType)
                            .setType(f.getValue())
                            .setCategory(SObjectFieldInfo.Category.REGULAR)
                            .build());
                    }
                    return table.resolve();
                };
                return SObjectTypeInfo.builder()
                    .setApexBytecodeName(cmdt.name)
                    .setMetadata(SObjectMetadata.builder()
                        .setTriggerable(false)
                        .setLookupFieldPredicate(BiPredicates.alwaysTrue())
                        .setSupportedDml(DmlOperation.EMPTY)
                        .setCustomEntitySObjectType(SObjectMetadata.CustomEntitySObjectType.CUSTOM_METADATA_TYPE)
                        .build())
                    .setFields(Initializers.memoize(fields))
                    .buildResolved();
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Output

    static String toJson(int files, List<Diagnostic> diagnostics, long elapsedMs) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"files\": ").append(files).append(", \"diagnostics\": [");
        for (int i = 0; i < diagnostics.size(); i++) {
            Diagnostic d = diagnostics.get(i);
            sb.append(i == 0 ? "\n  " : ",\n  ")
                .append("{\"file\": ").append(quote(d.file()))
                .append(", \"line\": ").append(d.line())
                .append(", \"column\": ").append(d.column())
                .append(", \"message\": ").append(quote(d.message()))
                .append('}');
        }
        sb.append(diagnostics.isEmpty() ? "]" : "\n]");
        sb.append(", \"elapsedMs\": ").append(elapsedMs).append('}');
        return sb.toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static long last = START;

    static void lap(String what) {
        if (TIMING) {
            long now = System.nanoTime();
            System.err.printf("apex-check timing: %-60s %5d ms (total %d ms)%n", what,
                (now - last) / 1_000_000, (now - START) / 1_000_000);
            last = now;
        }
    }
}
