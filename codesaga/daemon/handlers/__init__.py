"""The JSON-RPC methods, by family: each family is a class holding what its methods use,
and names its methods with their params types (``methods()``); the daemon dispatches."""
