package io.fleetml.mlflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@code runs/search} filter in MLflow's grammar, parsed: conditions joined by {@code AND}, each
 * {@code <kind>.<key> <comparator> <value>}, e.g. {@code metrics.r2 < 0.5 and tags.mlflow.parentRunId = 'X'}.
 * Kinds are {@code metrics} ({@code metric}), {@code params} ({@code param}, {@code parameter(s)}), {@code tags}
 * ({@code tag}) and {@code attributes} ({@code attribute}, {@code attr}, {@code run}); a key may be quoted with
 * {@code "…"} or {@code `…`}. Metric values are numbers, compared with {@code = != < <= > >=}; params, tags and
 * attributes take quoted strings with {@code = != LIKE ILIKE}, and {@code IN (…)}/{@code NOT IN (…)} for
 * {@code attributes.run_id}; {@code attributes.start_time}/{@code end_time} take numbers. Anything else is refused with
 * a {@link FilterException} that says where and why.
 */
public final class RunFilter {
    /** What a condition is on. */
    public enum Kind { METRIC, PARAM, TAG, ATTRIBUTE }

    /**
     * One condition.
     *
     * @param number the value, for metrics and time attributes
     * @param text   the value, for params, tags and string attributes
     * @param values the list, for {@code IN} and {@code NOT IN}
     */
    public record Condition(Kind kind, String key, String comparator, double number, String text, List<String> values) {
    }

    /** One {@code order_by} clause: {@code metrics.mse DESC}, {@code attributes.start_time}. */
    public record Order(Kind kind, String key, boolean ascending) {
    }

    /** A filter or order MLflow's grammar does not allow, or fleetml does not answer. */
    public static final class FilterException extends IllegalArgumentException {
        public FilterException(String message) {
            super(message);
        }
    }

    private static final List<String> STRING_ATTRIBUTES = List.of("status", "run_name", "run_id", "user_id", "artifact_uri", "lifecycle_stage");
    private static final List<String> NUMBER_ATTRIBUTES = List.of("start_time", "end_time", "created");

    private final String text;
    private int at;

    private RunFilter(String text) {
        this.text = text;
    }

    /** The conditions of {@code filter}; none for null or blank. */
    public static List<Condition> parse(String filter) {
        List<Condition> out = new ArrayList<>();
        if (filter == null || filter.isBlank()) {
            return out;
        }
        RunFilter p = new RunFilter(filter);
        while (true) {
            out.add(p.condition());
            p.space();
            if (p.at >= p.text.length()) {
                return out;
            }
            if (!p.keyword("and")) {
                throw p.error("expected AND or the end of the filter");
            }
        }
    }

    /**
     * A registry's or an experiment listing's filter: conditions on the bare names {@code names} ({@code name = 'pumps'},
     * {@code name LIKE 'pump%'}), or {@code attribute(s).<name>}, with {@code = != LIKE ILIKE} and quoted strings.
     */
    public static List<Condition> parseNamed(String filter, List<String> names) {
        List<Condition> out = new ArrayList<>();
        if (filter == null || filter.isBlank()) {
            return out;
        }
        RunFilter p = new RunFilter(filter);
        while (true) {
            p.space();
            int start = p.at;
            String word = p.word();
            p.space();
            String key = word;
            if (p.peek() == '.') {
                if (kind(word, p, start) != Kind.ATTRIBUTE) {
                    p.at = start;
                    throw p.error("this listing filters on " + String.join(", ", names) + " only");
                }
                p.at++;
                key = p.key();
            }
            if (!names.contains(key)) {
                p.at = start;
                throw p.error("this listing filters on " + String.join(", ", names) + ", not '" + key + "'");
            }
            p.space();
            String comparator = p.comparator();
            if (!List.of("=", "!=", "LIKE", "ILIKE").contains(comparator)) {
                throw new FilterException("invalid filter: " + key + " takes = != LIKE ILIKE, not " + comparator);
            }
            p.space();
            out.add(new Condition(Kind.ATTRIBUTE, key, comparator, Double.NaN, p.string(), List.of()));
            p.space();
            if (p.at >= p.text.length()) {
                return out;
            }
            if (!p.keyword("and")) {
                throw p.error("expected AND or the end of the filter");
            }
        }
    }

    /** Whether {@code value} meets a string condition: {@code = != LIKE ILIKE} as in SQL ({@code %} any run, {@code _} one character). */
    public static boolean test(String comparator, String value, String pattern) {
        if (value == null) {
            return false;
        }
        return switch (comparator) {
            case "=" -> value.equals(pattern);
            case "!=" -> !value.equals(pattern);
            case "LIKE" -> like(pattern, false).matcher(value).matches();
            case "ILIKE" -> like(pattern, true).matcher(value).matches();
            default -> throw new FilterException("invalid filter: " + comparator + " does not compare strings");
        };
    }

    /** Whether {@code value} meets a numeric comparison. */
    public static boolean test(String comparator, double value, double bound) {
        return switch (comparator) {
            case "=" -> value == bound;
            case "!=" -> value != bound;
            case "<" -> value < bound;
            case "<=" -> value <= bound;
            case ">" -> value > bound;
            case ">=" -> value >= bound;
            default -> throw new FilterException("invalid filter: " + comparator + " does not compare numbers");
        };
    }

    /** Whether {@code run} meets every condition, as MLflow's stores decide: a run without the metric, param or tag meets none on it. */
    public static boolean test(List<Condition> conditions, org.mlflow.api.proto.Service.Run run) {
        for (Condition c : conditions) {
            boolean ok = switch (c.kind()) {
                case METRIC -> run.getData().getMetricsList().stream().anyMatch(m -> m.getKey().equals(c.key()) && test(c.comparator(), m.getValue(), c.number()));
                case PARAM -> run.getData().getParamsList().stream().anyMatch(p -> p.getKey().equals(c.key()) && test(c.comparator(), p.getValue(), c.text()));
                case TAG -> run.getData().getTagsList().stream().anyMatch(t -> t.getKey().equals(c.key()) && test(c.comparator(), t.getValue(), c.text()));
                case ATTRIBUTE -> attribute(c, run.getInfo());
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean attribute(Condition c, org.mlflow.api.proto.Service.RunInfo info) {
        return switch (c.key()) {
            case "start_time" -> test(c.comparator(), info.getStartTime(), c.number());
            case "end_time" -> info.hasEndTime() && test(c.comparator(), info.getEndTime(), c.number());
            case "created" -> test(c.comparator(), info.getStartTime(), c.number());
            case "run_id" -> c.comparator().equals("IN") ? c.values().contains(info.getRunId())
                    : c.comparator().equals("NOT IN") ? !c.values().contains(info.getRunId()) : test(c.comparator(), info.getRunId(), c.text());
            case "status" -> test(c.comparator(), info.getStatus().name(), c.text());
            case "run_name" -> test(c.comparator(), info.getRunName(), c.text());
            case "user_id" -> test(c.comparator(), info.getUserId(), c.text());
            case "artifact_uri" -> test(c.comparator(), info.getArtifactUri(), c.text());
            case "lifecycle_stage" -> test(c.comparator(), info.getLifecycleStage(), c.text());
            default -> false;
        };
    }

    private static java.util.regex.Pattern like(String pattern, boolean ignoreCase) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            if (ch == '%' || ch == '_') {
                if (literal.length() > 0) {
                    re.append(java.util.regex.Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(ch == '%' ? ".*" : ".");
            } else {
                literal.append(ch);
            }
        }
        if (literal.length() > 0) {
            re.append(java.util.regex.Pattern.quote(literal.toString()));
        }
        return java.util.regex.Pattern.compile(re.toString(), java.util.regex.Pattern.DOTALL
                | (ignoreCase ? java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.UNICODE_CASE : 0));
    }

    /** The clauses of {@code order_by}: each {@code [kind.]key [ASC|DESC]}; a bare key is an attribute. */
    public static List<Order> orders(List<String> clauses) {
        List<Order> out = new ArrayList<>();
        for (String clause : clauses) {
            RunFilter p = new RunFilter(clause);
            p.space();
            Kind kind = Kind.ATTRIBUTE;
            String key;
            int start = p.at;
            String word = p.word();
            p.space();
            if (p.peek() == '.') {
                kind = kind(word, p, start);
                p.at++;
                key = p.key();
            } else {
                key = word;
            }
            boolean ascending = true;
            p.space();
            if (p.keyword("desc")) {
                ascending = false;
            } else if (!p.keyword("asc")) {
                p.space();
                if (p.at < p.text.length()) {
                    throw p.error("expected ASC, DESC or the end of the order_by clause");
                }
            }
            p.space();
            if (p.at < p.text.length()) {
                throw p.error("expected the end of the order_by clause");
            }
            if (kind == Kind.ATTRIBUTE && !STRING_ATTRIBUTES.contains(key) && !NUMBER_ATTRIBUTES.contains(key)) {
                throw new FilterException("invalid order_by clause '" + clause + "': no attribute '" + key + "'; attributes are "
                        + String.join(", ", STRING_ATTRIBUTES) + ", " + String.join(", ", NUMBER_ATTRIBUTES));
            }
            out.add(new Order(kind, key, ascending));
        }
        return out;
    }

    private Condition condition() {
        space();
        int start = at;
        String prefix = word();
        if (prefix.isEmpty()) {
            throw error("expected metrics.<key>, params.<key>, tags.<key> or attributes.<name>");
        }
        Kind kind = kind(prefix, this, start);
        space();
        if (peek() != '.') {
            throw error("expected '.' after '" + prefix + "'");
        }
        at++;
        String key = key();
        space();
        String comparator = comparator();
        space();
        return switch (kind) {
            case METRIC -> {
                if (!List.of("=", "!=", "<", "<=", ">", ">=").contains(comparator)) {
                    throw new FilterException("invalid filter: metrics." + key + " takes = != < <= > >=, not " + comparator);
                }
                yield new Condition(kind, key, comparator, number(), null, List.of());
            }
            case PARAM, TAG -> {
                if (!List.of("=", "!=", "LIKE", "ILIKE").contains(comparator)) {
                    throw new FilterException("invalid filter: " + (kind == Kind.PARAM ? "params." : "tags.") + key + " takes = != LIKE ILIKE, not " + comparator);
                }
                yield new Condition(kind, key, comparator, Double.NaN, string(), List.of());
            }
            case ATTRIBUTE -> {
                if (NUMBER_ATTRIBUTES.contains(key)) {
                    if (!List.of("=", "!=", "<", "<=", ">", ">=").contains(comparator)) {
                        throw new FilterException("invalid filter: attributes." + key + " takes = != < <= > >=, not " + comparator);
                    }
                    yield new Condition(kind, key, comparator, number(), null, List.of());
                }
                if (!STRING_ATTRIBUTES.contains(key)) {
                    throw new FilterException("invalid filter: no attribute '" + key + "'; attributes are " + String.join(", ", STRING_ATTRIBUTES)
                            + ", " + String.join(", ", NUMBER_ATTRIBUTES));
                }
                if (comparator.endsWith("IN")) {
                    if (!key.equals("run_id")) {
                        throw new FilterException("invalid filter: " + comparator + " is for attributes.run_id, not attributes." + key);
                    }
                    yield new Condition(kind, key, comparator, Double.NaN, null, list());
                }
                if (!List.of("=", "!=", "LIKE", "ILIKE").contains(comparator)) {
                    throw new FilterException("invalid filter: attributes." + key + " takes = != LIKE ILIKE, not " + comparator);
                }
                yield new Condition(kind, key, comparator, Double.NaN, string(), List.of());
            }
        };
    }

    private static Kind kind(String prefix, RunFilter p, int start) {
        return switch (prefix.toLowerCase(Locale.ROOT)) {
            case "metric", "metrics" -> Kind.METRIC;
            case "param", "params", "parameter", "parameters" -> Kind.PARAM;
            case "tag", "tags" -> Kind.TAG;
            case "attribute", "attributes", "attr", "run" -> Kind.ATTRIBUTE;
            default -> {
                p.at = start;
                throw p.error("'" + prefix + "' is not metrics, params, tags or attributes");
            }
        };
    }

    /** A key: quoted with {@code "…"} or {@code `…`}, or letters, digits and {@code _ - . / :}. */
    private String key() {
        char q = peek();
        if (q == '"' || q == '`') {
            int end = text.indexOf(q, at + 1);
            if (end < 0) {
                throw error("unterminated quoted key");
            }
            String k = text.substring(at + 1, end);
            at = end + 1;
            return k;
        }
        int start = at;
        while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || "_-./:".indexOf(text.charAt(at)) >= 0)) {
            at++;
        }
        if (start == at) {
            throw error("expected a key");
        }
        return text.substring(start, at);
    }

    private String comparator() {
        for (String op : new String[] {"!=", "<=", ">=", "=", "<", ">"}) {
            if (text.startsWith(op, at)) {
                at += op.length();
                return op;
            }
        }
        int start = at;
        if (keyword("like")) {
            return "LIKE";
        }
        if (keyword("ilike")) {
            return "ILIKE";
        }
        if (keyword("in")) {
            return "IN";
        }
        if (keyword("not")) {
            space();
            if (keyword("in")) {
                return "NOT IN";
            }
        }
        at = start;
        throw error("expected a comparator (= != < <= > >= LIKE ILIKE IN NOT IN)");
    }

    private double number() {
        int start = at;
        while (at < text.length() && ("+-.eE".indexOf(text.charAt(at)) >= 0 || Character.isDigit(text.charAt(at)))) {
            at++;
        }
        try {
            double v = Double.parseDouble(text.substring(start, at));
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        at = start;
        throw error("expected a number");
    }

    private String string() {
        char q = peek();
        if (q != '\'' && q != '"') {
            throw error("expected a quoted string ('…' or \"…\")");
        }
        int end = text.indexOf(q, at + 1);
        if (end < 0) {
            throw error("unterminated string");
        }
        String s = text.substring(at + 1, end);
        at = end + 1;
        return s;
    }

    private List<String> list() {
        if (peek() != '(') {
            throw error("expected a list in parentheses: ('a', 'b')");
        }
        at++;
        List<String> values = new ArrayList<>();
        while (true) {
            space();
            values.add(string());
            space();
            char c = peek();
            at++;
            if (c == ')') {
                return values;
            }
            if (c != ',') {
                at--;
                throw error("expected ',' or ')'");
            }
        }
    }

    private String word() {
        int start = at;
        while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_')) {
            at++;
        }
        return text.substring(start, at);
    }

    /** Consumes {@code word} (any case) when it comes next as a whole word. */
    private boolean keyword(String word) {
        space();
        int end = at + word.length();
        if (text.regionMatches(true, at, word, 0, word.length()) && (end == text.length() || !Character.isLetterOrDigit(text.charAt(end)))) {
            at = end;
            return true;
        }
        return false;
    }

    private void space() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private char peek() {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private FilterException error(String what) {
        return new FilterException("invalid filter '" + text + "' at character " + (at + 1) + ": " + what);
    }
}
