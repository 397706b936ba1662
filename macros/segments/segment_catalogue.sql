{#- The segment catalogue (meta of model segment_catalogue, in
    models/marts/segments/_segment_catalogue.yml), validated and compiled. Returns the enabled
    entries in priority order, each with `sql` (the rule with its params filled in) and
    `rule_version` (an md5 of that SQL, so a changed rule shows in the memberships). Any
    invalid entry stops the build, naming the entry: duplicate or malformed name, missing rule,
    unknown column, unknown param, unknown destination or feed, bad sizes.
    Params come from the entry, overridden by var unified_segments_segment_params
    ({segment: {param: value}}). Returns [] while dbt parses (the graph is not loaded yet). -#}
{% macro segment_catalogue(include_disabled=false) -%}
    {{ return(adapter.dispatch('segment_catalogue', 'unified_segments')(include_disabled)) }}
{%- endmacro %}

{% macro default__segment_catalogue(include_disabled=false) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set file = 'models/marts/segments/_segment_catalogue.yml' -%}
    {%- set node = graph.nodes.get('model.unified_segments.segment_catalogue') -%}
    {%- set entries = (node.config.meta.get('segments') if node else none) or [] -%}
    {%- set overrides = var('unified_segments_segment_params', {}) or {} -%}
    {%- set destinations = unified_segments.export_families() -%}
    {%- set known_columns = [] -%}
    {%- for model_name in ['dim_customer_profiles', 'int_customers_tiered', 'int_customers_rfm_scored'] -%}
        {%- for column in graph.nodes['model.unified_segments.' ~ model_name].columns -%}
            {%- do known_columns.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set sql_words = ['and', 'or', 'not', 'in', 'is', 'null', 'true', 'false', 'between', 'like', 'case',
                         'when', 'then', 'else', 'end', 'coalesce', 'lower', 'upper', 'abs', 'least', 'greatest',
                         'cast', 'as', 'integer', 'bigint', 'date', 'timestamp', 'varchar', 'decimal'] -%}
    {%- set seen = [] -%}
    {%- set compiled = [] -%}
    {%- for entry in entries -%}
        {%- set name = entry.get('name') -%}
        {%- set here = "segment '" ~ name ~ "' (" ~ file ~ ")" -%}
        {%- if name is none or not modules.re.match('^[a-z][a-z0-9_]*$', name | string) -%}
            {{ exceptions.raise_compiler_error("a segment in " ~ file ~ " has no valid name (snake_case): " ~ entry) }}
        {%- endif -%}
        {%- if name in seen -%}
            {{ exceptions.raise_compiler_error(here ~ ": the name is used by another entry") }}
        {%- endif -%}
        {%- do seen.append(name) -%}
        {%- if not entry.get('rule') -%}
            {{ exceptions.raise_compiler_error(here ~ ": no rule") }}
        {%- endif -%}
        {%- for destination in entry.get('destinations', []) if destination not in destinations -%}
            {{ exceptions.raise_compiler_error(here ~ ": unknown destination '" ~ destination ~ "'; use " ~ destinations | join(', ')) }}
        {%- endfor -%}
        {%- for feed in entry.get('requires', []) if feed not in unified_segments.feeds() -%}
            {{ exceptions.raise_compiler_error(here ~ ": requires unknown feed '" ~ feed ~ "'; feeds are " ~ (unified_segments.feeds().keys() | join(', '))) }}
        {%- endfor -%}
        {%- if entry.get('severity', 'error') not in ('warn', 'error') -%}
            {{ exceptions.raise_compiler_error(here ~ ": severity must be warn or error") }}
        {%- endif -%}
        {%- if entry.get('size_change_severity', 'warn') not in ('warn', 'error') -%}
            {{ exceptions.raise_compiler_error(here ~ ": size_change_severity must be warn or error") }}
        {%- endif -%}
        {%- set max_size_change = entry.get('max_size_change', 0.5) -%}
        {%- if max_size_change is not number or max_size_change <= 0 -%}
            {{ exceptions.raise_compiler_error(here ~ ": max_size_change must be a positive share, not " ~ max_size_change) }}
        {%- endif -%}
        {%- set arms = [] -%}
        {%- set weights = entry.get('arms') or {'treatment': 1} -%}
        {%- if weights is not mapping -%}
            {{ exceptions.raise_compiler_error(here ~ ": arms must map each arm's name to its weight, e.g. {treatment: 90, holdout: 10}") }}
        {%- endif -%}
        {%- set total = namespace(weight=0) -%}
        {%- for arm, weight in weights.items() -%}
            {%- if not modules.re.match('^[a-z][a-z0-9_]*$', arm | string) or arm == 'global_control' -%}
                {{ exceptions.raise_compiler_error(here ~ ": arm '" ~ arm ~ "' needs a snake_case name other than global_control") }}
            {%- endif -%}
            {%- if weight is not number or weight <= 0 -%}
                {{ exceptions.raise_compiler_error(here ~ ": arm '" ~ arm ~ "' needs a positive weight, not " ~ weight) }}
            {%- endif -%}
            {%- set total.weight = total.weight + weight -%}
        {%- endfor -%}
        {%- set cumulative = namespace(weight=0) -%}
        {%- for arm, weight in weights.items() -%}
            {%- set cumulative.weight = cumulative.weight + weight -%}
            {%- do arms.append({'name': arm, 'share': weight / total.weight, 'upper': cumulative.weight / total.weight}) -%}
        {%- endfor -%}
        {%- set params = {} -%}
        {%- do params.update(entry.get('params') or {}) -%}
        {%- for param, value in (overrides.get(name) or {}).items() -%}
            {%- if param not in params -%}
                {{ exceptions.raise_compiler_error(here ~ ": var unified_segments_segment_params sets '" ~ param ~ "', which the entry has no param for") }}
            {%- endif -%}
            {%- do params.update({param: value}) -%}
        {%- endfor -%}
        {%- set rule = namespace(sql=entry.rule | string) -%}
        {%- for placeholder in modules.re.findall('[{]([a-z_0-9]+)[}]', rule.sql) -%}
            {%- if placeholder not in params -%}
                {{ exceptions.raise_compiler_error(here ~ ": the rule uses {" ~ placeholder ~ "}, which params does not define") }}
            {%- endif -%}
            {%- set rule.sql = rule.sql | replace('{' ~ placeholder ~ '}', params[placeholder] | string) -%}
        {%- endfor -%}
        {#- Every identifier outside string literals must be a known column or an SQL word. -#}
        {%- set bare = modules.re.sub("'[^']*'", "''", rule.sql | lower) -%}
        {%- for word in modules.re.findall('[a-z_][a-z0-9_]*', bare) if word not in known_columns and word not in sql_words -%}
            {{ exceptions.raise_compiler_error(
                here ~ ": unknown column '" ~ word ~ "' in the rule; rules may use the columns of "
                ~ "dim_customer_profiles, int_customers_tiered and int_customers_rfm_scored") }}
        {%- endfor -%}
        {%- if include_disabled or entry.get('enabled', true) -%}
            {%- do compiled.append({
                'name': name,
                'description': entry.get('description', ''),
                'sql': rule.sql,
                'rule_version': local_md5(rule.sql),
                'priority': entry.get('priority', 1000) | int,
                'min_size': entry.get('min_size', 0) | int,
                'min_share': entry.get('min_share', 0) | float,
                'severity': entry.get('severity', 'error'),
                'max_size_change': max_size_change,
                'size_change_severity': entry.get('size_change_severity', 'warn'),
                'owner': entry.get('owner', ''),
                'destinations': entry.get('destinations', []),
                'requires': entry.get('requires', []),
                'arms': arms,
                'enabled': entry.get('enabled', true)
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(compiled | sort(attribute='priority')) }}
{%- endmacro %}
