"""k-means clusters of customers on their RFM features (DuckDB only; see the model's YAML).

Features per customer with at least one order: days since the last purchase, orders and net
revenue; orders and revenue are log-scaled (both are long-tailed), then every feature is
standardised. k is chosen in var unified_segments_cluster_k_range by the silhouette score, and
each cluster is named by its centroid against the customers' medians, e.g. "recent frequent
high-value". Seeds are fixed, so the same data gives the same clusters.

k is chosen on a random sample of var unified_segments_cluster_fit_sample customers (all of them
when there are fewer); the centroids fitted there start one k-means pass over every customer, so
the cost of trying each k does not grow with the customer base.
"""

import numpy as np
import pyarrow as pa
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

SEED = 0


def name_cluster(centroid, medians):
    recency, orders, revenue = centroid
    return " ".join([
        "recent" if recency <= medians[0] else "lapsing",
        "frequent" if orders > medians[1] else "occasional",
        "high-value" if revenue > medians[2] else "low-value",
    ])


def model(dbt, session):
    dbt.config(materialized="table")
    # One OpenMP thread: dbt runs other models and tests beside this one, and k-means threads that
    # spin-wait for a busy core took 15.8 s in a build at 1M people; one thread takes 7.6 s there.
    with threadpool_limits(limits=1):
        table = clusters(dbt)
    return table


def clusters(dbt):
    low, high = dbt.config.get("k_range") or [2, 6]
    fit_sample = dbt.config.get("fit_sample")
    if not str(fit_sample).isdigit() or int(fit_sample) <= high:
        raise ValueError(
            "var unified_segments_cluster_fit_sample must be a whole number of customers above the largest k "
            f"of unified_segments_cluster_k_range ({high}), got {fit_sample!r}"
        )
    fit_sample = int(fit_sample)
    customers = dbt.ref("dim_customer_profiles").filter("orders > 0").order("person_id")
    columns = customers.project(
        "person_id, cast(days_since_last_purchase as double) as recency, cast(orders as double) as orders, "
        "cast(net_revenue as double) as revenue"
    ).fetchnumpy()
    raw = np.column_stack([columns["recency"], columns["orders"], columns["revenue"]])
    schema = pa.schema([("person_id", pa.string()), ("cluster_id", pa.int32()), ("cluster_name", pa.string()),
                        ("cluster_count", pa.int32()), ("silhouette", pa.float64())])
    chosen = np.arange(len(raw))
    if len(chosen) > fit_sample:
        chosen = np.sort(np.random.default_rng(SEED).choice(chosen, fit_sample, replace=False))
    # k-means with k clusters needs more than k distinct customers (silhouette: 2 <= k < n).
    high = min(high, len(np.unique(raw[chosen], axis=0)) - 1)
    if high < low:
        return pa.table({name: [] for name in schema.names}, schema=schema)
    features = np.column_stack([raw[:, 0], np.log1p(raw[:, 1]), np.log1p(np.clip(raw[:, 2], 0, None))])
    scaled = StandardScaler().fit_transform(features)
    on_sample = scaled[chosen]
    best = None
    for k in range(low, high + 1):
        fitted = KMeans(n_clusters=k, n_init=10, random_state=SEED).fit(on_sample)
        score = silhouette_score(on_sample, fitted.labels_, sample_size=min(len(on_sample), 5000), random_state=SEED)
        if best is None or score > best[0]:
            best = (score, k, fitted)
    score, k, fitted = best
    if len(chosen) == len(raw):
        labels = fitted.labels_
    else:
        labels = KMeans(n_clusters=k, init=fitted.cluster_centers_, n_init=1, random_state=SEED).fit(scaled).labels_
    medians = np.median(raw, axis=0)
    names, used = {}, {}
    # Clusters in order of their mean revenue, so ids are stable across runs and readable.
    order = sorted(range(k), key=lambda c: -raw[labels == c, 2].mean())
    for cluster_id, cluster in enumerate(order):
        name = name_cluster(raw[labels == cluster].mean(axis=0), medians)
        used[name] = used.get(name, 0) + 1
        names[cluster] = (cluster_id, name if used[name] == 1 else f"{name} ({used[name]})")
    return pa.table({
        "person_id": columns["person_id"].astype(str),
        "cluster_id": np.array([names[c][0] for c in labels], dtype=np.int32),
        "cluster_name": [names[c][1] for c in labels],
        "cluster_count": np.full(len(labels), k, dtype=np.int32),
        "silhouette": np.full(len(labels), round(float(score), 4)),
    }, schema=schema)
