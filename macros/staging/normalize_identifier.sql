{#- An identifier named by its type, as privacy requests, consent records and the suppression list
    name them: the value normalised the way staging normalises that type everywhere else, so it
    joins to the identifiers identity resolved. type_expr is the lower-case type. -#}
{% macro normalize_identifier(type_expr, value_expr) -%}
    case {{ type_expr }}
        when 'email' then {{ unified_segments.normalize_email(value_expr) }}
        when 'phone' then {{ unified_segments.normalize_phone(value_expr) }}
        else {{ unified_segments.clean_text(value_expr) }}
    end
{%- endmacro %}


{#- True when a normalised identifier can name someone: present, and a valid email or E.164 phone
    for those types. -#}
{% macro is_usable_identifier(type_expr, value_expr) -%}
    ({{ value_expr }} is not null
        and ({{ type_expr }} != 'email' or {{ unified_segments.is_valid_email(value_expr) }})
        and ({{ type_expr }} != 'phone' or {{ unified_segments.is_valid_e164(value_expr) }}))
{%- endmacro %}
