{#- numerator / denominator rounded half up to `scale` decimals, as decimal(18, scale), computed
    in integer arithmetic (then scaled by an exact decimal) so every engine returns the same digits (floating-point division rounds
    differently from PostgreSQL's exact numerics at the half). Both arguments must be non-negative
    integers; null when the denominator is 0 or null. -#}
{% macro ratio_half_up(numerator, denominator, scale) -%}
    {{ return(adapter.dispatch('ratio_half_up', 'unified_segments')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__ratio_half_up(numerator, denominator, scale) -%}
    {%- set factor = 10 ** (scale | int) -%}
    {%- set unit = '1' if (scale | int) == 0 else '0.' ~ ('0' * ((scale | int) - 1)) ~ '1' -%}
    case
        when {{ denominator }} > 0
            then cast(
                floor((2 * cast({{ numerator }} as bigint) * {{ factor }} + {{ denominator }}) / (2 * cast({{ denominator }} as bigint)))
                * {{ unit }}
                as decimal(18, {{ scale }})
            )
    end
{%- endmacro %}
