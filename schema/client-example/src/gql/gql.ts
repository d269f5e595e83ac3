/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Catalog($first: Int = 20, $after: String, $category: String) {\n    products(first: $first, after: $after, filter: { categorySlug: $category }) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ProductCard\n        }\n      }\n    }\n  }\n": typeof types.CatalogDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      order {\n        id\n        number\n        status\n        total {\n          amount\n          currencyCode\n        }\n      }\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": typeof types.PlaceOrderDocument,
    "\n  query MyOrders($first: Int = 10) {\n    me {\n      id\n      orders(first: $first) {\n        edges {\n          node {\n            id\n            number\n            status\n            createdAt\n          }\n        }\n      }\n    }\n  }\n": typeof types.MyOrdersDocument,
    "\n  fragment ProductCard on Product {\n    id\n    slug\n    title\n    inStock\n    price {\n      amount\n      currencyCode\n    }\n  }\n": typeof types.ProductCardFragmentDoc,
};
const documents: Documents = {
    "\n  query Catalog($first: Int = 20, $after: String, $category: String) {\n    products(first: $first, after: $after, filter: { categorySlug: $category }) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ProductCard\n        }\n      }\n    }\n  }\n": types.CatalogDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      order {\n        id\n        number\n        status\n        total {\n          amount\n          currencyCode\n        }\n      }\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n": types.PlaceOrderDocument,
    "\n  query MyOrders($first: Int = 10) {\n    me {\n      id\n      orders(first: $first) {\n        edges {\n          node {\n            id\n            number\n            status\n            createdAt\n          }\n        }\n      }\n    }\n  }\n": types.MyOrdersDocument,
    "\n  fragment ProductCard on Product {\n    id\n    slug\n    title\n    inStock\n    price {\n      amount\n      currencyCode\n    }\n  }\n": types.ProductCardFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Catalog($first: Int = 20, $after: String, $category: String) {\n    products(first: $first, after: $after, filter: { categorySlug: $category }) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ProductCard\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Catalog($first: Int = 20, $after: String, $category: String) {\n    products(first: $first, after: $after, filter: { categorySlug: $category }) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ProductCard\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      order {\n        id\n        number\n        status\n        total {\n          amount\n          currencyCode\n        }\n      }\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      order {\n        id\n        number\n        status\n        total {\n          amount\n          currencyCode\n        }\n      }\n      userErrors {\n        field\n        message\n        code\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrders($first: Int = 10) {\n    me {\n      id\n      orders(first: $first) {\n        edges {\n          node {\n            id\n            number\n            status\n            createdAt\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyOrders($first: Int = 10) {\n    me {\n      id\n      orders(first: $first) {\n        edges {\n          node {\n            id\n            number\n            status\n            createdAt\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ProductCard on Product {\n    id\n    slug\n    title\n    inStock\n    price {\n      amount\n      currencyCode\n    }\n  }\n"): (typeof documents)["\n  fragment ProductCard on Product {\n    id\n    slug\n    title\n    inStock\n    price {\n      amount\n      currencyCode\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;