using System.Text.RegularExpressions;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PhoneSupport.Tests.Architecture;

/// <summary>
/// Which feature folder (<c>src/PhoneSupport/Features/&lt;X&gt;</c>) uses which, read from the compiled service assembly, not from the
/// source text: every type of namespace <c>PhoneSupport.Features.X</c> (nested and compiler-generated types — lambdas, async state
/// machines — count for the type they sit in; Razor pages count for the folder their <c>.cshtml</c> is in) and every type it names in
/// its base type, interfaces, generic constraints, attributes, fields, properties, events, method signatures, locals and the operands of
/// its method bodies (calls, field accesses, <c>new</c>, <c>typeof</c>, casts). A type of X naming a type of Y is an edge X → Y: the
/// compiler has already resolved unqualified names, <c>using</c> aliases and same-namespace-root look-ups, so none is missed.
/// Constants are inlined and <c>nameof</c> is a string once compiled, so the sources add what the assembly cannot show
/// (<see cref="AddSourceUses(IEnumerable{ValueTuple{string, string, string}})"/>): a <c>using</c> of another feature's namespace, and
/// a qualified name of another feature's type.
/// </summary>
public sealed partial class FeatureGraph
{
    /// <summary>The service's feature folders: <c>src/PhoneSupport/Features/&lt;X&gt;</c>, namespace <c>PhoneSupport.Features.X</c>.</summary>
    public const string ServiceFeatures = "PhoneSupport.Features";

    private readonly string featuresNamespace;

    private FeatureGraph(string root) => featuresNamespace = root + ".";

    /// <summary>Feature → the features it uses, each with one example (<c>"Type uses Other.Type"</c>) to point at in a failure.</summary>
    public SortedDictionary<string, SortedDictionary<string, string>> Edges { get; } = new(StringComparer.Ordinal);

    /// <summary>The graph of the feature namespaces under <paramref name="root"/> in the assembly at <paramref name="assemblyPath"/>.</summary>
    /// <summary>Every feature's own types (outermost, by full name): Razor page classes included.</summary>
    public SortedDictionary<string, SortedSet<string>> Types { get; } = new(StringComparer.Ordinal);

    /// <summary>Every cross-feature use, type by type (<c>"X → Y: A uses B"</c>): what to move to break an edge.</summary>
    public SortedSet<string> References { get; } = new(StringComparer.Ordinal);

    public static FeatureGraph Read(string assemblyPath, string root = ServiceFeatures)
    {
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath);
        var graph = new FeatureGraph(root);
        var razorFolders = RazorPageFeatures(assembly);
        foreach (var type in assembly.MainModule.GetTypes())
        {
            if (graph.FeatureOf(type, razorFolders) is not { } feature) continue;
            graph.Edges.TryAdd(feature, new SortedDictionary<string, string>(StringComparer.Ordinal));
            var from = Outermost(type).FullName;
            if (!graph.Types.TryGetValue(feature, out var own)) graph.Types[feature] = own = new SortedSet<string>(StringComparer.Ordinal);
            own.Add(from);
            foreach (var used in TypesUsedBy(type))
            {
                if (used.Scope is not ModuleDefinition) continue; // another assembly's type
                if (graph.FeatureOf(used, razorFolders) is not { } target || target == feature) continue;
                graph.Edges[feature].TryAdd(target, $"{from} uses {Outermost(used).FullName}");
                graph.References.Add($"{feature} → {target}: {from} uses {Outermost(used).FullName}");
            }
        }
        return graph;
    }

    /// <summary>The edges the sources show of every <c>.cs</c> and <c>.cshtml</c> file under <c>Features/&lt;X&gt;</c> (see <see cref="AddSourceUses(IEnumerable{ValueTuple{string, string, string}})"/>).</summary>
    public FeatureGraph AddSourceUses(string featuresFolder) =>
        AddSourceUses(Directory.GetDirectories(featuresFolder).SelectMany(folder =>
            Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal))
                .Select(f => (Path.GetFileName(folder), Path.GetRelativePath(featuresFolder, f), File.ReadAllText(f)))));

    /// <summary>
    /// Adds, for each (feature, path, text), an edge to every feature Y the text names outside comments: <c>using</c> (or
    /// <c>@using</c>, <c>using static</c>, an alias) of <c>PhoneSupport.Features.Y</c>, <c>PhoneSupport.Features.Y.</c> anywhere, and
    /// <c>Y.T</c> where T is one of Y's types (a constant's class named through the shared namespace root). Only features of the graph count.
    /// </summary>
    public FeatureGraph AddSourceUses(IEnumerable<(string Feature, string Path, string Text)> files)
    {
        var root = featuresNamespace;
        var simpleNames = Types.ToDictionary(t => t.Key, t => t.Value.Select(SimpleName).ToHashSet(StringComparer.Ordinal));
        foreach (var (feature, path, text) in files)
        {
            if (!Edges.TryGetValue(feature, out var uses)) Edges[feature] = uses = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var code = Comments().Replace(text, m => new string('\n', m.Value.Count(c => c == '\n')));
            void Add(string target, int at, string what)
            {
                if (target == feature || !Edges.ContainsKey(target)) return;
                var line = code.AsSpan(0, at).Count('\n') + 1;
                var why = $"{path}:{line} names {what}";
                uses.TryAdd(target, why);
                References.Add($"{feature} → {target}: {why}");
            }
            foreach (Match m in Regex.Matches(code, $@"\b{Regex.Escape(root)}(\w+)\b")) Add(m.Groups[1].Value, m.Index, m.Value);
            foreach (Match m in QualifiedName().Matches(code))
                if (simpleNames.TryGetValue(m.Groups[1].Value, out var names) && names.Contains(m.Groups[2].Value)) Add(m.Groups[1].Value, m.Index, m.Value);
        }
        return this;
    }

    private static string SimpleName(string fullName)
    {
        var name = fullName[(fullName.LastIndexOf('.') + 1)..];
        var tick = name.IndexOf('`');
        return tick < 0 ? name : name[..tick];
    }

    /// <summary>Line and block comments of C#, Razor comments (<c>@* … *@</c>).</summary>
    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@\*.*?\*@", RegexOptions.Singleline)]
    private static partial Regex Comments();

    /// <summary><c>Y.T</c> not preceded by a dot or a word character: a name qualified by a feature folder's name.</summary>
    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.([A-Z]\w*)\b")]
    private static partial Regex QualifiedName();

    /// <summary>Every cycle's strongly connected component (Tarjan), each as one concrete loop <c>A → B → … → A</c> with its evidence.</summary>
    public IReadOnlyList<string> Cycles()
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<List<string>>();
        var counter = 0;

        void Visit(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in Uses(v))
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do
            {
                x = stack.Pop();
                onStack.Remove(x);
                component.Add(x);
            } while (x != v);
            if (component.Count > 1) components.Add(component);
        }

        foreach (var v in Edges.Keys) if (!index.ContainsKey(v)) Visit(v);
        return [.. components.Select(Describe)];
    }

    /// <summary>
    /// Each feature's layer: 0 for one that uses no other feature, else one more than the highest layer it uses (an edge that closes a
    /// cycle is not followed, so a cyclic graph still gets numbers; only an acyclic one gets meaningful ones).
    /// </summary>
    public IReadOnlyDictionary<string, int> Layers()
    {
        var depth = new Dictionary<string, int>();
        var visiting = new HashSet<string>();
        int Depth(string v)
        {
            if (depth.TryGetValue(v, out var d)) return d;
            if (!visiting.Add(v)) return -1;
            d = Uses(v).Select(Depth).DefaultIfEmpty(-1).Max() + 1;
            visiting.Remove(v);
            return depth[v] = d;
        }
        foreach (var feature in Edges.Keys) Depth(feature);
        return depth;
    }

    public IEnumerable<string> Uses(string feature) =>
        Edges.TryGetValue(feature, out var uses) ? uses.Keys.Where(Edges.ContainsKey) : [];

    /// <summary>The shortest loop through the component's first member, each step with the type that makes it.</summary>
    private string Describe(List<string> component)
    {
        var members = component.ToHashSet();
        var start = component.Min(StringComparer.Ordinal)!;
        var previous = new Dictionary<string, string>();
        var queue = new Queue<string>([start]);
        string? closing = null;
        while (queue.Count > 0 && closing is null)
        {
            var v = queue.Dequeue();
            foreach (var w in Uses(v).Where(members.Contains))
            {
                if (w == start) { closing = v; break; }
                if (previous.TryAdd(w, v)) queue.Enqueue(w);
            }
        }
        var path = new List<string> { start };
        for (var v = closing!; v != start; v = previous[v]) path.Insert(1, v);
        path.Add(start);
        var steps = path.Zip(path.Skip(1), (a, b) => $"  {a} → {b}: {Edges[a][b]}");
        return $"{string.Join(" → ", path)} (component: {string.Join(", ", component.Order(StringComparer.Ordinal))})\n{string.Join("\n", steps)}";
    }

    /// <summary>Razor page classes (namespace <c>AspNetCoreGeneratedDocument</c>) by the feature folder of their <c>.cshtml</c>.</summary>
    private static Dictionary<string, string> RazorPageFeatures(AssemblyDefinition assembly)
    {
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in assembly.CustomAttributes.Where(a => a.AttributeType.Name == "RazorCompiledItemAttribute"))
        {
            if (attribute.ConstructorArguments is not [{ Value: TypeReference page }, _, { Value: string identifier }]) continue;
            var parts = identifier.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["Features", var feature, ..]) folders[page.FullName] = feature;
        }
        return folders;
    }

    private string? FeatureOf(TypeReference type, Dictionary<string, string> razorFolders)
    {
        var outer = Outermost(type);
        if (razorFolders.TryGetValue(outer.FullName, out var page)) return page;
        if (!outer.Namespace.StartsWith(featuresNamespace, StringComparison.Ordinal)) return null;
        var rest = outer.Namespace[featuresNamespace.Length..];
        var dot = rest.IndexOf('.');
        return dot < 0 ? rest : rest[..dot];
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type;
    }

    private static IEnumerable<TypeReference> TypesUsedBy(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null or GenericParameter: return;
                case GenericInstanceType generic:
                    Add(generic.ElementType);
                    foreach (var argument in generic.GenericArguments) Add(argument);
                    return;
                case TypeSpecification specification: // arrays, by-ref, pointers, modifiers
                    Add(specification.ElementType);
                    return;
                default:
                    found.Add(t);
                    return;
            }
        }
        void AddAttributes(ICustomAttributeProvider provider)
        {
            if (!provider.HasCustomAttributes) return;
            foreach (var attribute in provider.CustomAttributes)
            {
                Add(attribute.AttributeType);
                foreach (var argument in attribute.ConstructorArguments.Concat(attribute.Properties.Select(p => p.Argument)))
                    if (argument.Value is TypeReference named) Add(named);
            }
        }
        void AddMethod(MethodReference method)
        {
            Add(method.DeclaringType);
            Add(method.ReturnType);
            foreach (var parameter in method.Parameters) Add(parameter.ParameterType);
            if (method is GenericInstanceMethod generic) foreach (var argument in generic.GenericArguments) Add(argument);
        }

        Add(type.BaseType);
        AddAttributes(type);
        foreach (var face in type.Interfaces) Add(face.InterfaceType);
        foreach (var parameter in type.GenericParameters) foreach (var constraint in parameter.Constraints) Add(constraint.ConstraintType);
        foreach (var field in type.Fields)
        {
            Add(field.FieldType);
            AddAttributes(field);
        }
        foreach (var property in type.Properties)
        {
            Add(property.PropertyType);
            AddAttributes(property);
        }
        foreach (var e in type.Events) Add(e.EventType);
        foreach (var method in type.Methods)
        {
            AddMethod(method);
            AddAttributes(method);
            foreach (var parameter in method.Parameters) AddAttributes(parameter);
            foreach (var parameter in method.GenericParameters) foreach (var constraint in parameter.Constraints) Add(constraint.ConstraintType);
            if (!method.HasBody) continue;
            foreach (var local in method.Body.Variables) Add(local.VariableType);
            foreach (var handler in method.Body.ExceptionHandlers) Add(handler.CatchType);
            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t: Add(t); break;
                    case MethodReference m: AddMethod(m); break;
                    case FieldReference f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                    case CallSite site:
                        Add(site.ReturnType);
                        foreach (var parameter in site.Parameters) Add(parameter.ParameterType);
                        break;
                }
            }
        }
        return found;
    }
}
