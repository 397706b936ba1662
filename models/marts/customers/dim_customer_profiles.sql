{#- The unified customer profile BI, segments and exports read: the profile assembled in
    int_customer_profiles, published under the enforced contract in _customers__models.yml. -#}

-- the contract names, types and orders the columns
select * from {{ ref('int_customer_profiles') }}  -- noqa: AM04
