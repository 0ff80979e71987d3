"""ISA-88 master recipes: a recipe per product and equipment kind, versioned, e-signed before use.

recipes.versions holds the use cases (create, draft, edit, approve, read the approved set points);
recipes.download writes an approved version's set points to a machine (mes.edge.parameters).
"""
