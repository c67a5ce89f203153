/**
 * The subset of the Shopify Admin GraphQL API (2026-10) the fake implements. Field names,
 * nullability and argument shapes follow Shopify's schema so documents that validate here
 * validate against Shopify too; anything Shopify lacks (e.g. `Metafield.ownerId`) is absent.
 */

const currencyCodes = Intl.supportedValuesOf('currency').filter((code) => /^[A-Z]{3}$/.test(code));

const connectionArgs = 'first: Int, after: String, last: Int, before: String, reverse: Boolean = false';

function connection(node: string): string {
  return `
  type ${node}Connection {
    edges: [${node}Edge!]!
    nodes: [${node}!]!
    pageInfo: PageInfo!
  }
  type ${node}Edge {
    cursor: String!
    node: ${node}!
  }`;
}

const metafieldFields = `
    metafield(namespace: String, key: String!): Metafield
    metafields(${connectionArgs}, namespace: String, keys: [String!]): MetafieldConnection!`;

export const ADMIN_SDL = /* GraphQL */ `
  schema {
    query: QueryRoot
    mutation: Mutation
  }

  scalar DateTime
  scalar Decimal
  scalar Money
  scalar URL
  scalar UnsignedInt64
  scalar JSON

  interface Node {
    id: ID!
  }

  interface HasMetafields {${metafieldFields}
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  enum CurrencyCode {
    ${currencyCodes.join('\n    ')}
  }

  type MoneyV2 {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }

  type MoneyBag {
    shopMoney: MoneyV2!
    presentmentMoney: MoneyV2!
  }

  enum CountPrecision {
    AT_LEAST
    EXACT
  }

  type Count {
    count: Int!
    precision: CountPrecision!
  }

  type UserError {
    field: [String!]
    message: String!
  }

  type Domain implements Node {
    id: ID!
    host: String!
    url: URL!
    sslEnabled: Boolean!
  }

  type AppInstallation implements Node & HasMetafields {
    id: ID!${metafieldFields}
  }

  type Shop implements Node & HasMetafields {
    id: ID!
    name: String!
    email: String!
    contactEmail: String!
    myshopifyDomain: String!
    primaryDomain: Domain!
    url: URL!
    ianaTimezone: String!
    timezoneAbbreviation: String!
    timezoneOffset: String!
    timezoneOffsetMinutes: Int!
    currencyCode: CurrencyCode!${metafieldFields}
  }

  enum CustomerState {
    DECLINED
    DISABLED
    ENABLED
    INVITED
  }

  type CustomerEmailAddress {
    emailAddress: String
  }

  type CustomerPhoneNumber {
    phoneNumber: String!
  }

  enum CustomerSortKeys {
    CREATED_AT
    ID
    LOCATION
    NAME
    RELEVANCE
    UPDATED_AT
  }

  type Customer implements Node & HasMetafields {
    id: ID!
    legacyResourceId: UnsignedInt64!
    email: String @deprecated(reason: "Use \`defaultEmailAddress.emailAddress\` instead.")
    defaultEmailAddress: CustomerEmailAddress
    phone: String @deprecated(reason: "Use \`defaultPhoneNumber.phoneNumber\` instead.")
    defaultPhoneNumber: CustomerPhoneNumber
    firstName: String
    lastName: String
    displayName: String!
    note: String
    state: CustomerState!
    verifiedEmail: Boolean!
    tags: [String!]!
    numberOfOrders: UnsignedInt64!
    amountSpent: MoneyV2!
    createdAt: DateTime!
    updatedAt: DateTime!
    lastOrder: Order
    orders(${connectionArgs}, sortKey: OrderSortKeys = ID, query: String): OrderConnection!${metafieldFields}
  }
  ${connection('Customer')}

  enum ProductStatus {
    ACTIVE
    ARCHIVED
    DRAFT
  }

  enum ProductSortKeys {
    CREATED_AT
    ID
    INVENTORY_TOTAL
    PRODUCT_TYPE
    PUBLISHED_AT
    RELEVANCE
    TITLE
    UPDATED_AT
    VENDOR
  }

  enum ProductVariantSortKeys {
    FULL_TITLE
    ID
    INVENTORY_QUANTITY
    NAME
    POSITION
    RELEVANCE
    SKU
    TITLE
  }

  type Product implements Node & HasMetafields {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    handle: String!
    status: ProductStatus!
    vendor: String!
    productType: String!
    tags: [String!]!
    createdAt: DateTime!
    updatedAt: DateTime!
    totalInventory: Int!
    tracksInventory: Boolean!
    variantsCount: Count
    variants(${connectionArgs}, sortKey: ProductVariantSortKeys = POSITION): ProductVariantConnection!${metafieldFields}
  }
  ${connection('Product')}

  type ProductVariant implements Node & HasMetafields {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    displayName: String!
    sku: String
    price: Money!
    position: Int!
    inventoryQuantity: Int
    product: Product!
    inventoryItem: InventoryItem!
    createdAt: DateTime!
    updatedAt: DateTime!${metafieldFields}
  }
  ${connection('ProductVariant')}

  type InventoryItem implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    sku: String
    tracked: Boolean!
    variant: ProductVariant!
    createdAt: DateTime!
    updatedAt: DateTime!
    inventoryLevel(locationId: ID!): InventoryLevel
    inventoryLevels(${connectionArgs}, query: String): InventoryLevelConnection!
  }

  type InventoryLevel implements Node {
    id: ID!
    item: InventoryItem!
    location: Location!
    quantities(names: [String!]!): [InventoryQuantity!]!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  ${connection('InventoryLevel')}

  type InventoryQuantity {
    id: ID!
    name: String!
    quantity: Int!
    updatedAt: DateTime
  }

  type Location implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    isActive: Boolean!
  }
  ${connection('Location')}

  enum OrderDisplayFinancialStatus {
    AUTHORIZED
    EXPIRED
    PAID
    PARTIALLY_PAID
    PARTIALLY_REFUNDED
    PENDING
    REFUNDED
    VOIDED
  }

  enum OrderDisplayFulfillmentStatus {
    FULFILLED
    FULFILLMENT_NOT_REQUIRED
    IN_PROGRESS
    ON_HOLD
    OPEN
    PARTIALLY_FULFILLED
    PENDING_FULFILLMENT
    REQUEST_DECLINED
    RESTOCKED
    SCHEDULED
    UNFULFILLED
  }

  enum OrderCancelReason {
    CUSTOMER
    DECLINED
    FRAUD
    INVENTORY
    OTHER
    STAFF
  }

  enum OrderSortKeys {
    CREATED_AT
    CUSTOMER_NAME
    DESTINATION
    FINANCIAL_STATUS
    FULFILLMENT_STATUS
    ID
    ORDER_NUMBER
    PO_NUMBER
    PROCESSED_AT
    RELEVANCE
    TOTAL_ITEMS_QUANTITY
    TOTAL_PRICE
    UPDATED_AT
  }

  type App implements Node {
    id: ID!
    title: String!
    handle: String
  }

  type ChannelDefinition implements Node {
    id: ID!
    handle: String!
    channelName: String!
    subChannelName: String!
    isMarketplace: Boolean!
  }

  type ChannelInformation implements Node {
    id: ID!
    app: App!
    channelDefinition: ChannelDefinition
    channelId: ID!
    displayName: String
  }

  type Order implements Node & HasMetafields {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    email: String
    note: String
    tags: [String!]!
    createdAt: DateTime!
    updatedAt: DateTime!
    processedAt: DateTime!
    closed: Boolean!
    closedAt: DateTime
    cancelledAt: DateTime
    cancelReason: OrderCancelReason
    test: Boolean!
    taxesIncluded: Boolean!
    sourceName: String
    channelInformation: ChannelInformation
    displayFinancialStatus: OrderDisplayFinancialStatus
    displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
    fullyPaid: Boolean!
    customer: Customer
    currencyCode: CurrencyCode!
    presentmentCurrencyCode: CurrencyCode!
    subtotalLineItemsQuantity: Int!
    currentSubtotalLineItemsQuantity: Int!
    subtotalPriceSet: MoneyBag
    currentSubtotalPriceSet: MoneyBag!
    totalPriceSet: MoneyBag!
    currentTotalPriceSet: MoneyBag!
    totalRefundedSet: MoneyBag!
    totalRefundedShippingSet: MoneyBag!
    totalTaxSet: MoneyBag
    currentTotalTaxSet: MoneyBag!
    totalDiscountsSet: MoneyBag
    currentTotalDiscountsSet: MoneyBag!
    totalShippingPriceSet: MoneyBag!
    currentShippingPriceSet: MoneyBag!
    totalOutstandingSet: MoneyBag!
    lineItems(${connectionArgs}): LineItemConnection!
    shippingLines(${connectionArgs}, includeRemovals: Boolean = false): ShippingLineConnection!
    refunds(first: Int): [Refund!]!${metafieldFields}
  }
  ${connection('Order')}

  type TaxLine {
    priceSet: MoneyBag!
    rate: Float
    ratePercentage: Float
    title: String!
    channelLiable: Boolean
  }

  type DiscountAllocation {
    allocatedAmountSet: MoneyBag!
  }

  type LineItem implements Node {
    id: ID!
    title: String!
    name: String!
    sku: String
    vendor: String
    variantTitle: String
    quantity: Int!
    currentQuantity: Int!
    refundableQuantity: Int!
    unfulfilledQuantity: Int!
    isGiftCard: Boolean!
    taxable: Boolean!
    requiresShipping: Boolean!
    variant: ProductVariant
    product: Product
    originalUnitPriceSet: MoneyBag!
    originalTotalSet: MoneyBag!
    discountedUnitPriceSet: MoneyBag!
    discountedTotalSet: MoneyBag!
    discountedUnitPriceAfterAllDiscountsSet: MoneyBag!
    totalDiscountSet: MoneyBag!
    discountAllocations: [DiscountAllocation!]!
    taxLines(first: Int): [TaxLine!]!
  }
  ${connection('LineItem')}

  type ShippingLine {
    id: ID
    title: String!
    code: String
    source: String
    carrierIdentifier: String
    isRemoved: Boolean!
    originalPriceSet: MoneyBag!
    discountedPriceSet: MoneyBag!
    currentDiscountedPriceSet: MoneyBag!
    taxLines: [TaxLine!]!
  }
  ${connection('ShippingLine')}

  enum RefundLineItemRestockType {
    CANCEL
    LEGACY_RESTOCK
    NO_RESTOCK
    RETURN
  }

  type RefundLineItem {
    id: ID
    lineItem: LineItem!
    quantity: Int!
    restocked: Boolean!
    restockType: RefundLineItemRestockType!
    priceSet: MoneyBag!
    subtotalSet: MoneyBag!
    totalTaxSet: MoneyBag!
  }
  ${connection('RefundLineItem')}

  type Refund implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    createdAt: DateTime
    updatedAt: DateTime!
    note: String
    order: Order!
    totalRefundedSet: MoneyBag!
    refundLineItems(${connectionArgs}): RefundLineItemConnection!
  }

  enum MetafieldOwnerType {
    API_PERMISSION
    CUSTOMER
    ORDER
    PRODUCT
    PRODUCTVARIANT
    SHOP
  }

  type Metafield implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    namespace: String!
    key: String!
    value: String!
    type: String!
    jsonValue: JSON!
    compareDigest: String!
    ownerType: MetafieldOwnerType!
    owner: HasMetafields!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  ${connection('Metafield')}

  enum BulkOperationStatus {
    CANCELED
    CANCELING
    COMPLETED
    CREATED
    EXPIRED
    FAILED
    RUNNING
  }

  enum BulkOperationErrorCode {
    ACCESS_DENIED
    INTERNAL_SERVER_ERROR
    TIMEOUT
  }

  enum BulkOperationType {
    MUTATION
    QUERY
  }

  type BulkOperation implements Node {
    id: ID!
    status: BulkOperationStatus!
    errorCode: BulkOperationErrorCode
    createdAt: DateTime!
    completedAt: DateTime
    objectCount: UnsignedInt64!
    rootObjectCount: UnsignedInt64!
    fileSize: UnsignedInt64
    url: URL
    partialDataUrl: URL
    query: String!
    type: BulkOperationType!
  }

  type QueryRoot {
    shop: Shop!
    currentAppInstallation: AppInstallation!
    node(id: ID!): Node
    nodes(ids: [ID!]!): [Node]!
    customer(id: ID!): Customer
    customers(${connectionArgs}, sortKey: CustomerSortKeys = ID, query: String): CustomerConnection!
    customersCount(query: String, limit: Int = 10000): Count
    product(id: ID!): Product
    products(${connectionArgs}, sortKey: ProductSortKeys = ID, query: String): ProductConnection!
    productsCount(query: String, limit: Int = 10000): Count
    productVariant(id: ID!): ProductVariant
    productVariants(${connectionArgs}, sortKey: ProductVariantSortKeys = ID, query: String): ProductVariantConnection!
    order(id: ID!): Order
    orders(${connectionArgs}, sortKey: OrderSortKeys = ID, query: String): OrderConnection!
    ordersCount(query: String, limit: Int = 10000): Count
    location(id: ID): Location
    locations(${connectionArgs}): LocationConnection!
    bulkOperation(id: ID!): BulkOperation
    currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
    webPixel(id: ID): WebPixel
    codeDiscountNodeByCode(code: String!): DiscountCodeNode
  }

  input MetafieldsSetInput {
    ownerId: ID!
    namespace: String
    key: String!
    value: String!
    type: String
    compareDigest: String
  }

  enum MetafieldsSetUserErrorCode {
    APP_NOT_AUTHORIZED
    BLANK
    CAPABILITY_VIOLATION
    INCLUSION
    INTERNAL_ERROR
    INVALID
    INVALID_COMPARE_DIGEST
    INVALID_TYPE
    INVALID_VALUE
    LESS_THAN_OR_EQUAL_TO
    PRESENT
    STALE_OBJECT
    TAKEN
    TOO_LONG
    TOO_SHORT
  }

  type MetafieldsSetUserError {
    code: MetafieldsSetUserErrorCode
    elementIndex: Int
    field: [String!]
    message: String!
  }

  type MetafieldsSetPayload {
    metafields: [Metafield!]
    userErrors: [MetafieldsSetUserError!]!
  }

  input MetafieldIdentifierInput {
    ownerId: ID!
    namespace: String!
    key: String!
  }

  type MetafieldIdentifier {
    ownerId: ID!
    namespace: String!
    key: String!
  }

  type MetafieldsDeletePayload {
    deletedMetafields: [MetafieldIdentifier]
    userErrors: [UserError!]!
  }

  type FlowTriggerReceivePayload {
    userErrors: [UserError!]!
  }

  type TagsAddPayload {
    node: Node
    userErrors: [UserError!]!
  }

  type TagsRemovePayload {
    node: Node
    userErrors: [UserError!]!
  }

  enum BulkOperationUserErrorCode {
    INVALID
    LIMIT_REACHED
    OPERATION_IN_PROGRESS
  }

  type BulkOperationUserError {
    code: BulkOperationUserErrorCode
    field: [String!]
    message: String!
  }

  type BulkOperationRunQueryPayload {
    bulkOperation: BulkOperation
    userErrors: [BulkOperationUserError!]!
  }

  enum BulkMutationErrorCode {
    INTERNAL_FILE_SERVER_ERROR
    INVALID_MUTATION
    INVALID_STAGED_UPLOAD_FILE
    LIMIT_REACHED
    NO_SUCH_FILE
    OPERATION_IN_PROGRESS
  }

  type BulkMutationUserError {
    code: BulkMutationErrorCode
    field: [String!]
    message: String!
  }

  type BulkOperationRunMutationPayload {
    bulkOperation: BulkOperation
    userErrors: [BulkMutationUserError!]!
  }

  enum StagedUploadTargetGenerateUploadResource {
    BULK_MUTATION_VARIABLES
    COLLECTION_IMAGE
    FILE
    IMAGE
    MODEL_3D
    PRODUCT_IMAGE
    RETURN_LABEL
    SHOP_IMAGE
    URL_REDIRECT_IMPORT
    VIDEO
  }

  enum StagedUploadHttpMethodType {
    POST
    PUT
  }

  input StagedUploadInput {
    resource: StagedUploadTargetGenerateUploadResource!
    filename: String!
    mimeType: String!
    httpMethod: StagedUploadHttpMethodType = PUT
    fileSize: UnsignedInt64
  }

  type StagedUploadParameter {
    name: String!
    value: String!
  }

  type StagedMediaUploadTarget {
    url: URL
    resourceUrl: URL
    parameters: [StagedUploadParameter!]!
  }

  type StagedUploadsCreatePayload {
    stagedTargets: [StagedMediaUploadTarget!]
    userErrors: [UserError!]!
  }

  type BulkOperationCancelPayload {
    bulkOperation: BulkOperation
    userErrors: [UserError!]!
  }

  enum WebPixelRuntimeContext {
    STRICT
    LAX
  }

  input WebPixelInput {
    settings: JSON
    runtimeContext: WebPixelRuntimeContext
  }

  type WebPixel implements Node {
    id: ID!
    settings: JSON!
  }

  enum ErrorsWebPixelUserErrorCode {
    BLANK
    INVALID_CONFIGURATION_JSON
    INVALID_RUNTIME_CONTEXT
    INVALID_SETTINGS
    INVALID_SETTINGS_DEFINITION
    NO_EXTENSION
    NOT_FOUND
    TAKEN
    UNEXPECTED_ERROR
    UNABLE_TO_DELETE
  }

  type ErrorsWebPixelUserError {
    code: ErrorsWebPixelUserErrorCode
    field: [String!]
    message: String!
  }

  type WebPixelCreatePayload {
    webPixel: WebPixel
    userErrors: [ErrorsWebPixelUserError!]!
  }

  type WebPixelUpdatePayload {
    webPixel: WebPixel
    userErrors: [ErrorsWebPixelUserError!]!
  }

  type WebPixelDeletePayload {
    deletedWebPixelId: ID
    userErrors: [ErrorsWebPixelUserError!]!
  }

  type DiscountUserError {
    field: [String!]
    message: String!
    code: String
  }

  type DiscountCodeBasic {
    title: String!
    startsAt: DateTime!
    endsAt: DateTime
    usageLimit: Int
    appliesOncePerCustomer: Boolean!
  }

  type DiscountCodeFreeShipping {
    title: String!
    startsAt: DateTime!
    endsAt: DateTime
    usageLimit: Int
    appliesOncePerCustomer: Boolean!
  }

  union DiscountCode = DiscountCodeBasic | DiscountCodeFreeShipping

  type DiscountCodeNode implements Node {
    id: ID!
    codeDiscount: DiscountCode!
  }

  input DiscountCustomersInput {
    add: [ID!]
    remove: [ID!]
  }

  enum DiscountBuyerSelection {
    ALL
  }

  input DiscountContextInput {
    all: DiscountBuyerSelection
    customers: DiscountCustomersInput
    customerSegments: JSON
  }

  input DiscountMinimumSubtotalInput {
    greaterThanOrEqualToSubtotal: Decimal
  }

  input DiscountMinimumQuantityInput {
    greaterThanOrEqualToQuantity: UnsignedInt64
  }

  input DiscountMinimumRequirementInput {
    subtotal: DiscountMinimumSubtotalInput
    quantity: DiscountMinimumQuantityInput
  }

  input DiscountAmountInput {
    amount: Decimal
    appliesOnEachItem: Boolean
  }

  input DiscountCustomerGetsValueInput {
    percentage: Float
    discountAmount: DiscountAmountInput
    discountOnQuantity: JSON
  }

  input DiscountItemsInput {
    all: Boolean
    products: JSON
    collections: JSON
  }

  input DiscountCustomerGetsInput {
    value: DiscountCustomerGetsValueInput
    items: DiscountItemsInput
    appliesOnOneTimePurchase: Boolean
    appliesOnSubscription: Boolean
  }

  input DiscountCombinesWithInput {
    orderDiscounts: Boolean
    productDiscounts: Boolean
    shippingDiscounts: Boolean
  }

  input DiscountCodeBasicInput {
    title: String
    code: String
    startsAt: DateTime
    endsAt: DateTime
    context: DiscountContextInput
    customerSelection: JSON
    customerGets: DiscountCustomerGetsInput
    minimumRequirement: DiscountMinimumRequirementInput
    usageLimit: Int
    appliesOncePerCustomer: Boolean
    combinesWith: DiscountCombinesWithInput
    recurringCycleLimit: Int
  }

  input DiscountShippingDestinationSelectionInput {
    all: Boolean
    countries: JSON
  }

  input DiscountCodeFreeShippingInput {
    title: String
    code: String
    startsAt: DateTime
    endsAt: DateTime
    context: DiscountContextInput
    customerSelection: JSON
    destination: DiscountShippingDestinationSelectionInput
    maximumShippingPrice: Decimal
    minimumRequirement: DiscountMinimumRequirementInput
    usageLimit: Int
    appliesOncePerCustomer: Boolean
    appliesOnOneTimePurchase: Boolean
    appliesOnSubscription: Boolean
    combinesWith: DiscountCombinesWithInput
    recurringCycleLimit: Int
  }

  type DiscountCodeBasicCreatePayload {
    codeDiscountNode: DiscountCodeNode
    userErrors: [DiscountUserError!]!
  }

  type DiscountCodeFreeShippingCreatePayload {
    codeDiscountNode: DiscountCodeNode
    userErrors: [DiscountUserError!]!
  }

  input MoneyInput {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }

  input StoreCreditAccountCreditInput {
    creditAmount: MoneyInput!
    expiresAt: DateTime
    notify: Boolean
  }

  type StoreCreditAccount implements Node {
    id: ID!
    balance: MoneyV2!
  }

  type StoreCreditAccountCreditTransaction implements Node {
    id: ID!
    amount: MoneyV2!
    balanceAfterTransaction: MoneyV2!
    createdAt: DateTime!
    account: StoreCreditAccount!
  }

  type StoreCreditAccountCreditUserError {
    field: [String!]
    message: String!
    code: String
  }

  type StoreCreditAccountCreditPayload {
    storeCreditAccountTransaction: StoreCreditAccountCreditTransaction
    userErrors: [StoreCreditAccountCreditUserError!]!
  }

  enum MetafieldStorefrontAccessInput {
    NONE
    PUBLIC_READ
  }

  enum MetafieldCustomerAccountAccessInput {
    NONE
    READ
    READ_WRITE
  }

  enum MetafieldAdminAccessInput {
    MERCHANT_READ
    MERCHANT_READ_WRITE
  }

  input MetafieldAccessInput {
    admin: MetafieldAdminAccessInput
    storefront: MetafieldStorefrontAccessInput
    customerAccount: MetafieldCustomerAccountAccessInput
  }

  input MetafieldDefinitionInput {
    name: String!
    namespace: String
    key: String!
    description: String
    type: String!
    ownerType: MetafieldOwnerType!
    validations: JSON
    pin: Boolean
    access: MetafieldAccessInput
    capabilities: JSON
  }

  type MetafieldDefinitionType {
    name: String!
  }

  type MetafieldDefinition implements Node {
    id: ID!
    name: String!
    namespace: String!
    key: String!
    description: String
    ownerType: MetafieldOwnerType!
    type: MetafieldDefinitionType!
  }

  type MetafieldDefinitionCreateUserError {
    field: [String!]
    message: String!
    code: String
  }

  type MetafieldDefinitionCreatePayload {
    createdDefinition: MetafieldDefinition
    userErrors: [MetafieldDefinitionCreateUserError!]!
  }

  type Mutation {
    discountCodeBasicCreate(basicCodeDiscount: DiscountCodeBasicInput!): DiscountCodeBasicCreatePayload
    discountCodeFreeShippingCreate(freeShippingCodeDiscount: DiscountCodeFreeShippingInput!): DiscountCodeFreeShippingCreatePayload
    storeCreditAccountCredit(id: ID!, creditInput: StoreCreditAccountCreditInput!): StoreCreditAccountCreditPayload
    metafieldDefinitionCreate(definition: MetafieldDefinitionInput!): MetafieldDefinitionCreatePayload
    tagsAdd(id: ID!, tags: [String!]!): TagsAddPayload
    flowTriggerReceive(handle: String, payload: JSON, body: String): FlowTriggerReceivePayload
    tagsRemove(id: ID!, tags: [String!]!): TagsRemovePayload
    metafieldsSet(metafields: [MetafieldsSetInput!]!): MetafieldsSetPayload
    metafieldsDelete(metafields: [MetafieldIdentifierInput!]!): MetafieldsDeletePayload
    bulkOperationRunQuery(query: String!, groupObjects: Boolean! = false): BulkOperationRunQueryPayload
    bulkOperationRunMutation(mutation: String!, stagedUploadPath: String!, groupObjects: Boolean = true, clientIdentifier: String): BulkOperationRunMutationPayload
    bulkOperationCancel(id: ID!): BulkOperationCancelPayload
    stagedUploadsCreate(input: [StagedUploadInput!]!): StagedUploadsCreatePayload
    webPixelCreate(webPixel: WebPixelInput!): WebPixelCreatePayload
    webPixelUpdate(id: ID!, webPixel: WebPixelInput!): WebPixelUpdatePayload
    webPixelDelete(id: ID!): WebPixelDeletePayload
  }
`;
