{#- Tier label for a numeric expression, with explicit bounds. `thresholds` are the cut points in
    ascending order, each saying where the next tier starts and whether the cut value belongs to
    it: '>=2' (2 is in the upper tier) or '>5' (5 stays in the lower one). `labels` name the
    tiers from lowest to highest, one more than the thresholds. Null input gives null_label.

        threshold_bucket('purchases_per_month', ['>=2', '>5'], ['low', 'medium', 'high'])
        -- low < 2 <= medium <= 5 < high

    A malformed call fails at compile time, naming the model. -#}
{% macro threshold_bucket(expr, thresholds, labels, null_label=none) -%}
    {{ return(adapter.dispatch('threshold_bucket', 'unified_segments')(expr, thresholds, labels, null_label)) }}
{%- endmacro %}

{% macro default__threshold_bucket(expr, thresholds, labels, null_label=none) -%}
    {%- set where = model.original_file_path if model is defined and model is mapping else 'a macro call' -%}
    {#- A namespace, because a plain set inside a for loop does not outlive the loop. -#}
    {%- set check = namespace(problem=none) -%}
    {%- if thresholds is string or labels is string -%}
        {%- set check.problem = "thresholds and labels must be lists" -%}
    {%- elif labels | length != thresholds | length + 1 -%}
        {%- set check.problem = (labels | length) ~ " labels for " ~ (thresholds | length) ~ " thresholds; give one label more than thresholds" -%}
    {%- endif -%}
    {%- set cuts = [] -%}
    {%- for threshold in thresholds if check.problem is none -%}
        {%- set match = modules.re.match('^\s*(>=|>)\s*(-?[0-9]+(\.[0-9]+)?)\s*$', threshold | string) -%}
        {%- if match is none -%}
            {%- set check.problem = "threshold '" ~ threshold ~ "' is not '>=<number>' or '><number>'" -%}
        {%- else -%}
            {%- do cuts.append((match.group(1), match.group(2) | float, match.group(2))) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for cut in cuts[1:] if check.problem is none -%}
        {%- set previous = cuts[loop.index0] -%}
        {%- if cut[1] < previous[1] or (cut[1] == previous[1] and not (previous[0] == '>=' and cut[0] == '>')) -%}
            {%- set check.problem = "thresholds must ascend ('" ~ previous[0] ~ previous[2] ~ "' then '" ~ cut[0] ~ cut[2] ~ "')" -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if check.problem is not none -%}
        {{ exceptions.raise_compiler_error("threshold_bucket(" ~ expr ~ ") in " ~ where ~ ": " ~ check.problem) }}
    {%- endif -%}
    case
        when {{ expr }} is null then {{ "'" ~ null_label ~ "'" if null_label is not none else 'null' }}
        {%- for cut in cuts | reverse %}
        when {{ expr }} {{ cut[0] }} {{ cut[2] }} then '{{ labels[cuts | length - loop.index0] }}'
        {%- endfor %}
        else '{{ labels[0] }}'
    end
{%- endmacro %}
